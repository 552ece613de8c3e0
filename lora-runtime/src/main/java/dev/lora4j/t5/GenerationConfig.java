package dev.lora4j.t5;

import dev.lora4j.Lora4jException;

/**
 * How {@link T5Generation} decodes, with transformers' GenerationConfig meanings.
 *
 * @param maxNewTokens      tokens to generate at most (after the decoder start token), ≥ 1
 * @param minNewTokens      EOS is forbidden until this many tokens have been generated
 * @param numBeams          1 for greedy search, more for beam search
 * @param lengthPenalty     beam search: a finished hypothesis scores sum(log p) / length^lengthPenalty
 * @param earlyStopping     beam search stopping rule, see {@link EarlyStopping}
 * @param noRepeatNgramSize when &gt; 0, no n-gram of this size may occur twice in a hypothesis
 */
public record GenerationConfig(int maxNewTokens, int minNewTokens, int numBeams, double lengthPenalty,
                               EarlyStopping earlyStopping, int noRepeatNgramSize) {

    /** transformers' early_stopping values. */
    public enum EarlyStopping {
        /** Stop a sequence's search as soon as numBeams hypotheses have finished. */
        TRUE,
        /** Stop when no running beam could (by a heuristic) beat the worst finished one: the default. */
        FALSE,
        /** Canonical beam search: stop only when no running beam can possibly beat the finished ones. */
        NEVER
    }

    /**
     * Checks every value against the ranges above.
     *
     * @throws Lora4jException when a value is out of range or earlyStopping is null
     */
    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw invalid("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if (minNewTokens < 0 || minNewTokens > maxNewTokens) {
            throw invalid("minNewTokens must be in [0, maxNewTokens], got " + minNewTokens);
        }
        if (numBeams < 1) {
            throw invalid("numBeams must be at least 1, got " + numBeams);
        }
        if (noRepeatNgramSize < 0) {
            throw invalid("noRepeatNgramSize must be 0 (off) or positive, got " + noRepeatNgramSize);
        }
        if (earlyStopping == null) {
            throw invalid("earlyStopping must not be null");
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw invalid("lengthPenalty must be finite, got " + lengthPenalty);
        }
    }

    /**
     * Greedy decoding of up to maxNewTokens tokens.
     *
     * @param maxNewTokens tokens to generate at most, at least 1
     * @return a configuration with one beam and no other constraints
     */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0, 1, 1.0, EarlyStopping.FALSE, 0);
    }

    /**
     * Beam search with transformers' defaults (length penalty 1.0, early_stopping False).
     *
     * @param numBeams     beams to keep per input, at least 1
     * @param maxNewTokens tokens to generate at most, at least 1
     * @return that configuration
     */
    public static GenerationConfig beams(int numBeams, int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0, numBeams, 1.0, EarlyStopping.FALSE, 0);
    }

    /**
     * A copy with another minimum length.
     *
     * @param value the new minNewTokens, in [0, maxNewTokens]
     * @return the changed copy
     */
    public GenerationConfig withMinNewTokens(int value) {
        return new GenerationConfig(maxNewTokens, value, numBeams, lengthPenalty, earlyStopping, noRepeatNgramSize);
    }

    /**
     * A copy with another length penalty.
     *
     * @param value the new lengthPenalty; finite
     * @return the changed copy
     */
    public GenerationConfig withLengthPenalty(double value) {
        return new GenerationConfig(maxNewTokens, minNewTokens, numBeams, value, earlyStopping, noRepeatNgramSize);
    }

    /**
     * A copy with another beam stopping rule.
     *
     * @param value the new earlyStopping; not null
     * @return the changed copy
     */
    public GenerationConfig withEarlyStopping(EarlyStopping value) {
        return new GenerationConfig(maxNewTokens, minNewTokens, numBeams, lengthPenalty, value, noRepeatNgramSize);
    }

    /**
     * A copy with another repeated n-gram ban.
     *
     * @param value the new noRepeatNgramSize; 0 for none
     * @return the changed copy
     */
    public GenerationConfig withNoRepeatNgramSize(int value) {
        return new GenerationConfig(maxNewTokens, minNewTokens, numBeams, lengthPenalty, earlyStopping, value);
    }

    private static Lora4jException invalid(String message) {
        return new Lora4jException("generation config", message);
    }
}
