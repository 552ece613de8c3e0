package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.SentencePieceModelFile.Piece;
import dev.lora4j.tokenizer.SentencePieceModelFile.PieceType;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Unigram model as sentencepiece runs it ({@code unigram::Model::EncodeOptimized}) over a whole
 * normalized string.
 *
 * <p>Exactness details that change ids on real text:
 * <ul>
 *   <li>Only NORMAL, USER_DEFINED and UNUSED pieces are in the trie, and UNUSED ones never match;
 *       control and unknown pieces cannot be produced from text.
 *   <li>Path scores are summed and compared in {@code float}, not double: in a long text the
 *       running total is large, and float rounding then decides exact ties such as
 *       {@code m+mm} against {@code mm+m}. Summing in double (as tokenizers does, and as a reading of
 *       the C++ source suggests) differs from sentencepiece 0.2.2 on 389 of the 60,658 DialogSum and
 *       SAMSum strings; float matches all of them.
 *   <li>A user-defined piece scores {@code utf8Length * maxScore - 0.1}, where {@code maxScore}
 *       starts at {@code FLT_MIN}, not at minus infinity.
 *   <li>Runs of unknown pieces collapse into one unknown id; with byte fallback each unknown
 *       character becomes its UTF-8 bytes as {@code <0xXX>} pieces instead.
 * </ul>
 */
final class SentencePieceUnigram {
    private static final float UNKNOWN_PENALTY = 10.0f;

    private final PieceTrie trie;
    private final float[] scores;
    private final boolean[] userDefined;
    private final int[] utf8Lengths;
    private final int unkId;
    private final float unknownScore;
    private final float maxScore;
    private final boolean byteFallback;
    private final int[] byteIds = new int[256];

    SentencePieceUnigram(List<Piece> pieces, boolean byteFallback, String source) {
        int n = pieces.size();
        scores = new float[n];
        userDefined = new boolean[n];
        utf8Lengths = new int[n];
        Map<String, Integer> matchable = new HashMap<>();
        Map<String, Integer> bytePieces = new HashMap<>();
        float min = Float.MAX_VALUE;
        float max = Float.MIN_NORMAL; // FLT_MIN, as in sentencepiece
        int unk = -1;
        for (int i = 0; i < n; i++) {
            Piece p = pieces.get(i);
            scores[i] = p.score();
            userDefined[i] = p.type() == PieceType.USER_DEFINED;
            utf8Lengths[i] = p.text().getBytes(StandardCharsets.UTF_8).length;
            switch (p.type()) {
                case NORMAL -> {
                    min = Math.min(min, p.score());
                    max = Math.max(max, p.score());
                    matchable.put(p.text(), i);
                }
                case USER_DEFINED -> matchable.put(p.text(), i);
                case UNKNOWN -> unk = i;
                case BYTE -> bytePieces.put(p.text(), i);
                case CONTROL, UNUSED -> {}
            }
        }
        if (matchable.isEmpty()) {
            throw new Lora4jException("tokenizer.load", source + " has no NORMAL or USER_DEFINED pieces");
        }
        trie = new PieceTrie(matchable);
        unkId = unk;
        unknownScore = min - UNKNOWN_PENALTY;
        maxScore = max;
        this.byteFallback = byteFallback;
        for (int b = 0; b < 256; b++) {
            Integer id = bytePieces.get(ByteFallback.pieceOfByte(b));
            byteIds[b] = id == null ? unk : id;
        }
    }

    /** Segments the normalized text {@code text[0, n)} and appends the ids to {@code out}. */
    void encode(char[] text, int n, ViterbiWorkspace ws, IntList out) {
        if (n == 0) {
            return;
        }
        ws.ensureCapacity(n + 1);
        float[] best = ws.scoreFloat;
        int[] start = ws.start;
        int[] id = ws.id;
        for (int i = 0; i <= n; i++) {
            start[i] = -1;
        }
        best[0] = 0f;
        int pos = 0;
        while (pos < n) {
            float tillHere = best[pos];
            int charLength = HuggingFaceUnigram.codePointLength(text, pos, n);
            boolean hasSingleCharPiece = false;
            int node = trie.rootChild(text[pos]);
            int end = pos + 1;
            while (node != PieceTrie.NONE) {
                int piece = trie.value(node);
                if (piece >= 0) {
                    float score = userDefined[piece] ? utf8Lengths[piece] * maxScore - 0.1f : scores[piece];
                    float candidate = score + tillHere;
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
                node = trie.child(node, text[end]);
                end++;
            }
            if (!hasSingleCharPiece) {
                int target = pos + charLength;
                float candidate = unknownScore + tillHere;
                if (start[target] < 0 || candidate > best[target]) {
                    best[target] = candidate;
                    start[target] = pos;
                    id[target] = unkId;
                }
            }
            pos += charLength;
        }
        emitBestPath(text, n, ws, out);
    }

    private void emitBestPath(char[] text, int n, ViterbiWorkspace ws, IntList out) {
        IntList path = ws.path;
        path.clear();
        for (int end = n; end > 0; end = ws.start[end]) {
            path.add(end);
        }
        boolean previousWasUnknown = false;
        int pieceStart = 0;
        for (int k = path.size() - 1; k >= 0; k--) {
            int end = path.get(k);
            int piece = ws.id[end];
            boolean unknown = piece == unkId;
            if (unknown && byteFallback) {
                byte[] bytes = new String(text, pieceStart, end - pieceStart).getBytes(StandardCharsets.UTF_8);
                for (byte b : bytes) {
                    out.add(byteIds[b & 0xFF]);
                }
            } else if (!(unknown && previousWasUnknown)) {
                out.add(piece);
            }
            previousWasUnknown = unknown;
            pieceStart = end;
        }
    }
}
