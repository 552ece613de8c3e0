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

    /**
     * Validates the options.
     *
     * @throws dev.lora4j.Lora4jException when a length is negative, truncation or {@link Padding#MAX_LENGTH}
     *     has no {@code maxLength}, a truncated padded length is not a multiple of {@code padToMultipleOf},
     *     or a side or padding is null
     */
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

    /**
     * A builder starting from {@link #DEFAULT}: special tokens, no truncation, no padding, right sides.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these options.
     *
     * @return a new builder holding these options
     */
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

        /**
         * Whether to add the model's special tokens (default true).
         *
         * @param value true to add them
         * @return this builder
         */
        public Builder addSpecialTokens(boolean value) {
            addSpecialTokens = value;
            return this;
        }

        /**
         * The length limit for truncation and {@link Padding#MAX_LENGTH}, special tokens included (default 0:
         * none).
         *
         * @param value the limit in tokens; at least 0
         * @return this builder
         */
        public Builder maxLength(int value) {
            maxLength = value;
            return this;
        }

        /**
         * Whether to cut sequences longer than {@code maxLength} (default false).
         *
         * @param value true to truncate; then {@code maxLength} must be positive
         * @return this builder
         */
        public Builder truncation(boolean value) {
            truncation = value;
            return this;
        }

        /**
         * Shorthand for {@code maxLength(limit).truncation(true)}.
         *
         * @param limit the maximum sequence length in tokens, special tokens included; positive
         * @return this builder
         */
        public Builder truncateTo(int limit) {
            return maxLength(limit).truncation(true);
        }

        /**
         * Which end truncation removes content tokens from (default {@link Side#RIGHT}).
         *
         * @param value the side; not null
         * @return this builder
         */
        public Builder truncationSide(Side value) {
            truncationSide = value;
            return this;
        }

        /**
         * How a batch is padded (default {@link Padding#NONE}).
         *
         * @param value the padding mode; not null
         * @return this builder
         */
        public Builder padding(Padding value) {
            padding = value;
            return this;
        }

        /**
         * Rounds the padded length up to a multiple of this (default 0: no rounding).
         *
         * @param value the multiple; at least 0
         * @return this builder
         */
        public Builder padToMultipleOf(int value) {
            padToMultipleOf = value;
            return this;
        }

        /**
         * Which end padding goes to (default {@link Side#RIGHT}, as T5 pads).
         *
         * @param value the side; not null
         * @return this builder
         */
        public Builder paddingSide(Side value) {
            paddingSide = value;
            return this;
        }

        /**
         * Builds the options, validating them.
         *
         * @return the new options
         * @throws dev.lora4j.Lora4jException when the settings are inconsistent (see the record's
         *     constructor)
         */
        public EncodeOptions build() {
            return new EncodeOptions(addSpecialTokens, maxLength, truncation, truncationSide, padding,
                    padToMultipleOf, paddingSide);
        }
    }
}
