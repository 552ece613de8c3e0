package dev.lora4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * tokenizers' {@code Tokenizer::decode}: each id becomes its token (added tokens first, then the
 * model vocabulary; ids that are neither are dropped), special tokens are dropped on request, and
 * the decoder chain turns the tokens into text (tokens are joined with spaces when there is none).
 */
final class HuggingFaceIdDecoder implements IdDecoder {
    private final String[] tokenById;
    private final boolean[] specialById;
    private final TokenDecoder decoder;

    /**
     * @param tokenById the token text of every id (null where an id has none)
     * @param specialById whether each id's token is special (tokenizers decides by the token text)
     * @param decoder the decoder chain, or null
     */
    HuggingFaceIdDecoder(String[] tokenById, boolean[] specialById, TokenDecoder decoder) {
        this.tokenById = tokenById.clone();
        this.specialById = specialById.clone();
        this.decoder = decoder;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= tokenById.length || tokenById[id] == null) {
                continue;
            }
            if (skipSpecialTokens && specialById[id]) {
                continue;
            }
            tokens.add(tokenById[id]);
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }
}
