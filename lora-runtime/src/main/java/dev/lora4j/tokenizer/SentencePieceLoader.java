package dev.lora4j.tokenizer;

import dev.lora4j.tokenizer.SentencePieceModelFile.Piece;
import dev.lora4j.tokenizer.SentencePieceModelFile.PieceType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link T5Tokenizer} from a SentencePiece {@code spiece.model} that encodes and decodes
 * exactly as the {@code sentencepiece} library does, plus what transformers' T5 tokenizer adds:
 * {@code extraIds} sentinels {@code <extra_id_N>} after the pieces (id {@code pieces + extraIds - 1 - N},
 * so {@code <extra_id_0>} is the last id), special tokens matched in the text, and {@code </s>}
 * appended.
 */
final class SentencePieceLoader {
    private SentencePieceLoader() {}

    static T5Tokenizer load(byte[] data, String source, TokenizerConfig config) {
        SentencePieceModelFile model = SentencePieceModelFile.parse(data, source);
        List<Piece> pieces = model.pieces();
        int pieceCount = pieces.size();
        int extraIds = config.extraIds();

        Map<String, Integer> idByToken = new HashMap<>(pieceCount * 2);
        Map<String, Integer> userDefined = new HashMap<>();
        List<AddedToken> specials = new ArrayList<>();
        String[] tokenById = new String[pieceCount + extraIds];
        int unkId = -1;
        for (int i = 0; i < pieceCount; i++) {
            Piece p = pieces.get(i);
            tokenById[i] = p.text();
            idByToken.put(p.text(), i);
            switch (p.type()) {
                case CONTROL -> specials.add(AddedToken.special(i, p.text()));
                case UNKNOWN -> {
                    unkId = i;
                    specials.add(AddedToken.special(i, p.text()));
                }
                case USER_DEFINED -> userDefined.put(p.text(), i);
                default -> {}
            }
        }
        Map<Integer, String> sentinels = new HashMap<>();
        for (int n = 0; n < extraIds; n++) {
            int id = pieceCount + extraIds - 1 - n;
            String text = "<extra_id_" + n + ">";
            tokenById[id] = text;
            idByToken.putIfAbsent(text, id);
            sentinels.put(id, text);
            specials.add(AddedToken.special(id, text));
        }
        List<String> patterns = new ArrayList<>();
        for (AddedToken t : specials) {
            patterns.add(t.content());
        }
        SentencePiecePipeline pipeline = new SentencePiecePipeline(
                new AddedTokenMatcher(specials, patterns),
                new SentencePieceNormalizer(model.normalizer(), userDefined, source),
                new SentencePieceUnigram(pieces, model.byteFallback(), source));
        SentencePieceIdDecoder decoder = new SentencePieceIdDecoder(pieces, sentinels, model.unkSurface(),
                model.normalizer().addDummyPrefix(), model.normalizer().removeExtraWhitespaces());
        int eosId = controlId(pieces, "</s>");
        int padId = controlId(pieces, "<pad>");
        return new T5Tokenizer(source + " (sentencepiece model)", pipeline, decoder, tokenById, idByToken,
                new int[0], eosId < 0 ? new int[0] : new int[] {eosId}, padId, eosId, unkId,
                config.cleanUpTokenizationSpaces());
    }

    private static int controlId(List<Piece> pieces, String text) {
        for (int i = 0; i < pieces.size(); i++) {
            if (pieces.get(i).type() == PieceType.CONTROL && pieces.get(i).text().equals(text)) {
                return i;
            }
        }
        return -1;
    }
}
