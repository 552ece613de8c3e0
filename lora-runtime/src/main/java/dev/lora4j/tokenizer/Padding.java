package dev.lora4j.tokenizer;

/** How {@link Tokenizer#encodeBatch} pads sequences to a common length. */
public enum Padding {
    /** No padding: rows keep their own lengths. */
    NONE,
    /** Pad to the longest row of the batch (transformers' {@code padding="longest"}). */
    LONGEST,
    /** Pad to {@link EncodeOptions#maxLength()} (transformers' {@code padding="max_length"}). */
    MAX_LENGTH
}
