package dev.lora4j.tokenizer;

/**
 * transformers' {@code clean_up_tokenization}: removes the space a word-level tokenizer would have
 * put before punctuation and English contractions. It is applied to decoded text only when asked
 * (T5's original {@code tokenizer_config.json} asks; flan-t5's does not) and can damage text that
 * really had those spaces, which is why it is optional.
 */
final class CleanUp {
    private CleanUp() {}

    static String cleanUpTokenization(String text) {
        return text.replace(" .", ".")
                .replace(" ?", "?")
                .replace(" !", "!")
                .replace(" ,", ",")
                .replace(" ' ", "'")
                .replace(" n't", "n't")
                .replace(" 'm", "'m")
                .replace(" 's", "'s")
                .replace(" 've", "'ve")
                .replace(" 're", "'re");
    }
}
