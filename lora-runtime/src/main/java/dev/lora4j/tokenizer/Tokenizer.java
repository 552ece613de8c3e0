package dev.lora4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text to token ids and back, for T5-family models. Implementations are immutable and safe to share
 * between threads.
 *
 * @see T5Tokenizer
 * @see ByT5Tokenizer
 */
public interface Tokenizer {

    /**
     * Encodes one text with the model's special tokens (T5 appends {@code </s>}), untruncated.
     *
     * @param text the text to encode; not null
     * @return the token ids, special tokens included
     */
    default int[] encode(String text) {
        return encode(text, EncodeOptions.DEFAULT);
    }

    /**
     * Encodes one text; truncation and special tokens follow {@code options} (padding needs a batch).
     *
     * @param text the text to encode; not null
     * @param options truncation and special-token settings; padding settings are ignored
     * @return the token ids
     */
    int[] encode(String text, EncodeOptions options);

    /**
     * Encodes several texts, truncating each and padding them together as {@code options} say, with
     * attention masks. Sequences are independent: the result equals encoding each text alone.
     *
     * @param texts the texts to encode, one sequence each; not null
     * @param options truncation, padding and special-token settings
     * @return the padded ids and attention masks, one row per text in order
     */
    default BatchEncoding encodeBatch(List<String> texts, EncodeOptions options) {
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encode(texts.get(i), options);
        }
        return Batching.pad(ids, options, padTokenId());
    }

    /**
     * Decodes ids to text. Special tokens ({@code <pad>}, {@code </s>}, sentinels) are dropped when
     * {@code skipSpecialTokens}; the tokenizer's configured clean-up of spaces before punctuation is
     * applied (see {@link #decode(int[], boolean, boolean)}).
     *
     * @param ids the token ids to decode
     * @param skipSpecialTokens whether to drop special tokens from the text
     * @return the decoded text
     */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * Decodes ids to text; {@code cleanUpTokenizationSpaces} applies transformers'
     * {@code clean_up_tokenization} (" ." → ".", " n't" → "n't", ...) whatever the configured default.
     *
     * @param ids the token ids to decode
     * @param skipSpecialTokens whether to drop special tokens from the text
     * @param cleanUpTokenizationSpaces whether to remove spaces before punctuation and contractions
     * @return the decoded text
     */
    String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUpTokenizationSpaces);

    /**
     * Decodes every row, as {@link #decode(int[], boolean)} would.
     *
     * @param ids the rows of token ids, one sequence each
     * @param skipSpecialTokens whether to drop special tokens from the texts
     * @return an unmodifiable list of decoded texts, one per row in order
     */
    default List<String> decodeBatch(int[][] ids, boolean skipSpecialTokens) {
        List<String> out = new ArrayList<>(ids.length);
        for (int[] row : ids) {
            out.add(decode(row, skipSpecialTokens));
        }
        return List.copyOf(out);
    }

    /**
     * The token strings the text encodes to, without special tokens added (useful for inspection).
     *
     * @param text the text to tokenize; not null
     * @return an unmodifiable list of token strings, empty strings for ids with no token
     */
    default List<String> tokenize(String text) {
        int[] ids = encode(text, EncodeOptions.builder().addSpecialTokens(false).build());
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(idToToken(id).orElse(""));
        }
        return List.copyOf(out);
    }

    /**
     * Number of ids the tokenizer can produce (the model's embedding may have more rows).
     *
     * @return the vocabulary size
     */
    int vocabSize();

    /**
     * The id of the padding token ({@code <pad>}), which fills the padded positions of a batch.
     *
     * @return the pad token id
     */
    int padTokenId();

    /**
     * The id of the end-of-sequence token ({@code </s>}).
     *
     * @return the end-of-sequence token id
     */
    int eosTokenId();

    /**
     * The unknown token's id, or -1 when the tokenizer has none. ByT5 has one (id 2, as in transformers'
     * ByT5Tokenizer), although encoding never produces it: every text is bytes.
     *
     * @return the unknown token id, or -1
     */
    int unkTokenId();

    /**
     * Looks up the id of a token string.
     *
     * @param token the token string, exactly as in the vocabulary
     * @return the token's id, or empty when it is not in the vocabulary
     */
    OptionalInt tokenToId(String token);

    /**
     * Looks up the token string of an id.
     *
     * @param id the token id
     * @return the token string, or empty when the id is out of range or has no token
     */
    Optional<String> idToToken(int id);
}
