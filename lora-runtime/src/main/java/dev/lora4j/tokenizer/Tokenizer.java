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

    /** Encodes one text with the model's special tokens (T5 appends {@code </s>}), untruncated. */
    default int[] encode(String text) {
        return encode(text, EncodeOptions.DEFAULT);
    }

    /** Encodes one text; truncation and special tokens follow {@code options} (padding needs a batch). */
    int[] encode(String text, EncodeOptions options);

    /**
     * Encodes several texts, truncating each and padding them together as {@code options} say, with
     * attention masks. Sequences are independent: the result equals encoding each text alone.
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
     */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * Decodes ids to text; {@code cleanUpTokenizationSpaces} applies transformers'
     * {@code clean_up_tokenization} (" ." → ".", " n't" → "n't", ...) whatever the configured default.
     */
    String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUpTokenizationSpaces);

    /** Decodes every row, as {@link #decode(int[], boolean)} would. */
    default List<String> decodeBatch(int[][] ids, boolean skipSpecialTokens) {
        List<String> out = new ArrayList<>(ids.length);
        for (int[] row : ids) {
            out.add(decode(row, skipSpecialTokens));
        }
        return List.copyOf(out);
    }

    /** The token strings the text encodes to, without special tokens added (useful for inspection). */
    default List<String> tokenize(String text) {
        int[] ids = encode(text, EncodeOptions.builder().addSpecialTokens(false).build());
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(idToToken(id).orElse(""));
        }
        return List.copyOf(out);
    }

    /** Number of ids the tokenizer can produce (the model's embedding may have more rows). */
    int vocabSize();

    int padTokenId();

    int eosTokenId();

    /** The unknown token's id, or -1 when the tokenizer has none (ByT5 can encode any text). */
    int unkTokenId();

    OptionalInt tokenToId(String token);

    Optional<String> idToToken(int id);
}
