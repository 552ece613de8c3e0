package dev.lora4j.tokenizer;

import java.util.Map;

/**
 * The Unigram model as Hugging Face {@code tokenizers} runs it ({@code Unigram::encode_optimized}):
 * a Viterbi pass over one pre-token, with every vocabulary entry matchable (special tokens included),
 * scores added in double precision, and runs of unknown characters fused into one token.
 *
 * <p>Ties go to the candidate seen first: candidates are visited by start position, then by length,
 * and only a strictly better score replaces the current best. The unknown candidate for a character
 * that no one-character piece covers scores {@code min(all scores) - 10}.
 */
final class HuggingFaceUnigram {
    private static final double UNKNOWN_PENALTY = 10.0;

    private final PieceTrie trie;
    private final double[] scores;
    private final int unkId;
    private final double unknownScore;
    private final boolean byteFallback;
    /** The id of each {@code <0xXX>} piece, or -1; used only with byte fallback. */
    private final int[] byteIds = new int[256];
    private final Map<String, Integer> idsByPiece;

    /**
     * @param scores each id's score, in id order
     * @param idsByPiece each distinct piece's id (the last one when a piece repeats, as in tokenizers)
     * @param unkId the unknown id, or -1 when the model has none
     */
    HuggingFaceUnigram(double[] scores, Map<String, Integer> idsByPiece, int unkId, boolean byteFallback) {
        this.scores = scores.clone();
        this.idsByPiece = Map.copyOf(idsByPiece);
        this.trie = new PieceTrie(this.idsByPiece);
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        double min = Double.POSITIVE_INFINITY;
        for (double s : scores) {
            min = Math.min(min, s);
        }
        this.unknownScore = min - UNKNOWN_PENALTY;
        for (int b = 0; b < 256; b++) {
            Integer id = idsByPiece.get(ByteFallback.pieceOfByte(b));
            byteIds[b] = id == null ? -1 : id;
        }
    }

    /** Segments {@code text[from, to)} and appends the ids to {@code out}. */
    void encode(char[] text, int from, int to, ViterbiWorkspace ws, IntList out) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        ws.ensureCapacity(n + 1);
        double[] best = ws.scoreDouble;
        int[] start = ws.start;
        int[] id = ws.id;
        for (int i = 0; i <= n; i++) {
            start[i] = -1;
        }
        best[0] = 0.0;
        int pos = 0;
        while (pos < n) {
            double tillHere = best[pos];
            int charLength = codePointLength(text, from + pos, to);
            boolean hasSingleCharPiece = false;
            int node = trie.rootChild(text[from + pos]);
            int end = pos + 1;
            while (node != PieceTrie.NONE) {
                int piece = trie.value(node);
                if (piece >= 0) {
                    double candidate = scores[piece] + tillHere;
                    if (start[end] < 0 || candidate > best[end]) {
                        best[end] = candidate;
                        start[end] = pos;
                        id[end] = piece;
                    }
                    if (end - pos == charLength) {
                        hasSingleCharPiece = true;
                    }
                }
                if (end == n) {
                    break;
                }
                node = trie.child(node, text[from + end]);
                end++;
            }
            if (!hasSingleCharPiece) {
                if (unkId < 0) {
                    throw new dev.lora4j.Lora4jException("tokenizer.encode",
                            "the model has no unknown token but the text contains a character it cannot encode: '"
                                    + new String(text, from + pos, charLength) + "'");
                }
                int target = pos + charLength;
                double candidate = unknownScore + tillHere;
                if (start[target] < 0 || candidate > best[target]) {
                    best[target] = candidate;
                    start[target] = pos;
                    id[target] = unkId;
                }
            }
            pos += charLength;
        }
        emitBestPath(text, from, n, ws, out);
    }

    /** Walks the best path back from the end, then emits it forwards, fusing runs of unknowns. */
    private void emitBestPath(char[] text, int from, int n, ViterbiWorkspace ws, IntList out) {
        IntList path = ws.path;
        path.clear();
        for (int end = n; end > 0; end = ws.start[end]) {
            path.add(end);
        }
        int pieceStart = 0;
        int unknownRunStart = -1;
        for (int k = path.size() - 1; k >= 0; k--) {
            int end = path.get(k);
            int piece = ws.id[end];
            if (piece == unkId) {
                if (unknownRunStart < 0) {
                    unknownRunStart = pieceStart;
                }
            } else {
                if (unknownRunStart >= 0) {
                    emitUnknownRun(text, from + unknownRunStart, from + pieceStart, out);
                    unknownRunStart = -1;
                }
                out.add(piece);
            }
            pieceStart = end;
        }
        if (unknownRunStart >= 0) {
            emitUnknownRun(text, from + unknownRunStart, from + n, out);
        }
    }

    /**
     * A fused run of unknown characters becomes one token: the vocabulary id of the fused string if
     * there is one (tokenizers looks it up), else its UTF-8 bytes as {@code <0xXX>} pieces when byte
     * fallback is on and all of them exist, else the unknown id.
     */
    private void emitUnknownRun(char[] text, int from, int to, IntList out) {
        String run = new String(text, from, to - from);
        Integer known = idsByPiece.get(run);
        if (known != null) {
            out.add(known);
            return;
        }
        if (byteFallback) {
            byte[] bytes = run.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            boolean allPresent = true;
            for (byte b : bytes) {
                allPresent &= byteIds[b & 0xFF] >= 0;
            }
            if (allPresent) {
                for (byte b : bytes) {
                    out.add(byteIds[b & 0xFF]);
                }
                return;
            }
        }
        out.add(unkId);
    }

    static int codePointLength(CharSequence text, int at, int limit) {
        return Character.isHighSurrogate(text.charAt(at)) && at + 1 < limit
                && Character.isLowSurrogate(text.charAt(at + 1)) ? 2 : 1;
    }

    static int codePointLength(char[] text, int at, int limit) {
        return Character.isHighSurrogate(text[at]) && at + 1 < limit && Character.isLowSurrogate(text[at + 1]) ? 2 : 1;
    }
}
