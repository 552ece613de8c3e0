package dev.lora4j.tokenizer;

/** One Hugging Face pre-tokenizer; a {@code Sequence} is flattened into a list of these on load. */
interface PreTokenizer {
    /** Splits (and possibly rewrites) every word of {@code in} into {@code out}, which starts empty. */
    void preTokenize(PreTokenizedText in, PreTokenizedText out);
}
