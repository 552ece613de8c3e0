package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;

/**
 * How to encode: special tokens, truncation and (for batches) padding, with transformers'
 * meanings. {@code maxLength} counts special tokens, and truncation removes content tokens only, so
 * a truncated T5 sequence still ends with {@code </s>}.
 *
 * @param addSpecialTokens add the model's special tokens (T5: {@code </s>} at the end)
 * @param maxLength the length limit for truncation and for {@link Padding#MAX_LENGTH}; 0 for none
 * @param truncation cut sequences longer than {@code maxLength}
 * @param truncationSide which end truncation removes content from
 * @param padding how a batch is padded
 * @param padToMultipleOf round the padded length up to a multiple of this; 0 for no rounding
 * @param paddingSide which end padding goes to (T5 pads on the right)
 */
public record EncodeOptions(
        boolean addSpecialTokens,
        int maxLength,
        boolean truncation,
        Side truncationSide,
        Padding padding,
        int padToMultipleOf,
        Side paddingSide) {

    /** Special tokens added, no truncation, no padding. */
    public static final EncodeOptions DEFAULT = builder().build();

    public EncodeOptions {
        if (maxLength < 0) {
            throw new Lora4jException("tokenizer.options", "maxLength must be >= 0, got " + maxLength);
        }
        if (padToMultipleOf < 0) {
            throw new Lora4jException("tokenizer.options", "padToMultipleOf must be >= 0, got " + padToMultipleOf);
        }
        if (truncation && maxLength == 0) {
            throw new Lora4jException("tokenizer.options", "truncation needs maxLength > 0");
        }
        if (padding == Padding.MAX_LENGTH && maxLength == 0) {
            throw new Lora4jException("tokenizer.options", "Padding.MAX_LENGTH needs maxLength > 0");
        }
        if (truncation && padding != Padding.NONE && padToMultipleOf > 0 && maxLength % padToMultipleOf != 0) {
            // transformers refuses this too: padding would round the truncated length up again.
            throw new Lora4jException("tokenizer.options", "truncation length " + maxLength
                    + " is not a multiple of padToMultipleOf " + padToMultipleOf);
        }
        if (truncationSide == null || padding == null || paddingSide == null) {
            throw new Lora4jException("tokenizer.options", "sides and padding must not be null");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder()
                .addSpecialTokens(addSpecialTokens)
                .maxLength(maxLength)
                .truncation(truncation)
                .truncationSide(truncationSide)
                .padding(padding)
                .padToMultipleOf(padToMultipleOf)
                .paddingSide(paddingSide);
    }

    /** Builds {@link EncodeOptions}; every setting defaults to {@link #DEFAULT}'s. */
    public static final class Builder {
        private boolean addSpecialTokens = true;
        private int maxLength;
        private boolean truncation;
        private Side truncationSide = Side.RIGHT;
        private Padding padding = Padding.NONE;
        private int padToMultipleOf;
        private Side paddingSide = Side.RIGHT;

        private Builder() {}

        public Builder addSpecialTokens(boolean value) {
            addSpecialTokens = value;
            return this;
        }

        public Builder maxLength(int value) {
            maxLength = value;
            return this;
        }

        public Builder truncation(boolean value) {
            truncation = value;
            return this;
        }

        /** Shorthand for {@code maxLength(limit).truncation(true)}. */
        public Builder truncateTo(int limit) {
            return maxLength(limit).truncation(true);
        }

        public Builder truncationSide(Side value) {
            truncationSide = value;
            return this;
        }

        public Builder padding(Padding value) {
            padding = value;
            return this;
        }

        public Builder padToMultipleOf(int value) {
            padToMultipleOf = value;
            return this;
        }

        public Builder paddingSide(Side value) {
            paddingSide = value;
            return this;
        }

        public EncodeOptions build() {
            return new EncodeOptions(addSpecialTokens, maxLength, truncation, truncationSide, padding,
                    padToMultipleOf, paddingSide);
        }
    }
}
