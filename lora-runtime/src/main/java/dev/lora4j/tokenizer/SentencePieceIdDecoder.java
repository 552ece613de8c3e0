package dev.lora4j.tokenizer;

import dev.lora4j.tokenizer.SentencePieceModelFile.Piece;
import dev.lora4j.tokenizer.SentencePieceModelFile.PieceType;
import java.util.List;
import java.util.Map;

/**
 * sentencepiece's {@code DecodeIds}, with the special tokens transformers adds on top.
 *
 * <p>U+2581 becomes a space, except that a piece's one leading U+2581 is dropped while nothing has
 * been written yet (with {@code remove_extra_whitespaces}, for every piece until text appears);
 * the unknown piece becomes its surface ({@code " ⁇ "}); runs of {@code <0xXX>} pieces become the
 * characters their bytes spell, U+FFFD for each byte that is not valid UTF-8. Control pieces and
 * sentinels, which sentencepiece renders as nothing, are written as their text unless special
 * tokens are skipped. Ids outside the vocabulary are dropped, as Hugging Face does (sentencepiece
 * would fail; T5 models have more embedding rows than tokens, so generation can emit such ids).
 */
final class SentencePieceIdDecoder implements IdDecoder {
    private final String[] pieces;
    private final PieceType[] types;
    private final Map<Integer, String> sentinels;
    private final String unkSurface;
    private final boolean stripsLeadingSpace;
    private final boolean stripsEveryLeadingSpace;

    SentencePieceIdDecoder(List<Piece> modelPieces, Map<Integer, String> sentinels, String unkSurface,
            boolean addDummyPrefix, boolean removeExtraWhitespaces) {
        pieces = new String[modelPieces.size()];
        types = new PieceType[modelPieces.size()];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = modelPieces.get(i).text();
            types[i] = modelPieces.get(i).type();
        }
        this.sentinels = Map.copyOf(sentinels);
        this.unkSurface = unkSurface;
        this.stripsLeadingSpace = addDummyPrefix || removeExtraWhitespaces;
        this.stripsEveryLeadingSpace = removeExtraWhitespaces;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        boolean atStart = true;
        boolean consumedLeadingSpace = false;
        for (int id : ids) {
            String piece;
            PieceType type;
            if (id >= 0 && id < pieces.length) {
                piece = pieces[id];
                type = types[id];
            } else if (sentinels.containsKey(id)) {
                piece = sentinels.get(id);
                type = PieceType.CONTROL;
            } else {
                continue;
            }
            if (type == PieceType.BYTE) {
                bytes.write(ByteFallback.byteOfPiece(piece));
                continue;
            }
            flushBytes(bytes, text);
            if (consumedLeadingSpace || !text.isEmpty()) {
                atStart = false;
            }
            consumedLeadingSpace = false;
            switch (type) {
                case CONTROL -> {
                    if (!skipSpecialTokens) {
                        text.append(piece);
                    }
                }
                case UNKNOWN -> text.append(unkSurface);
                default -> {
                    int from = 0;
                    if (atStart && stripsLeadingSpace && piece.charAt(0) == SentencePieceNormalizer.SPACE_SYMBOL) {
                        from = 1;
                        consumedLeadingSpace = !stripsEveryLeadingSpace;
                    }
                    for (int k = from; k < piece.length(); k++) {
                        char c = piece.charAt(k);
                        text.append(c == SentencePieceNormalizer.SPACE_SYMBOL ? ' ' : c);
                    }
                }
            }
        }
        flushBytes(bytes, text);
        return text.toString();
    }

    /** Writes pending byte pieces: each valid UTF-8 character, or U+FFFD per invalid byte. */
    private static void flushBytes(java.io.ByteArrayOutputStream pending, StringBuilder text) {
        if (pending.size() == 0) {
            return;
        }
        byte[] b = pending.toByteArray();
        int i = 0;
        while (i < b.length) {
            int length = Utf8.validSequenceLength(b, i);
            if (length == 0) {
                text.append('\uFFFD');
                i++;
            } else {
                text.append(new String(b, i, length, java.nio.charset.StandardCharsets.UTF_8));
                i += length;
            }
        }
        pending.reset();
    }
}
