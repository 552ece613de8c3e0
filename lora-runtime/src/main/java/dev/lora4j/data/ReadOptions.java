package dev.lora4j.data;

import dev.lora4j.Lora4jException;

/**
 * How a reader treats its input.
 *
 * @param onInvalid             fail on the first invalid row (default) or skip and report invalid rows
 * @param normalizeLineEndings  turn "\r\n" and lone "\r" in text fields into "\n" (default true): SAMSum mixes
 *                              both conventions, and a stray '\r' would otherwise reach the tokenizer and
 *                              ROUGE-Lsum's newline sentence split. Set false to get the fields exactly as
 *                              the file holds them.
 */
public record ReadOptions(OnInvalid onInvalid, boolean normalizeLineEndings) {

    /**
     * Validates the options.
     *
     * @throws dev.lora4j.Lora4jException when {@code onInvalid} is null
     */
    public ReadOptions {
        if (onInvalid == null) {
            throw new Lora4jException("data", "onInvalid must not be null");
        }
    }

    /**
     * The defaults: fail on the first invalid row, normalize line endings.
     *
     * @return the default options
     */
    public static ReadOptions defaults() {
        return new ReadOptions(OnInvalid.FAIL, true);
    }

    /**
     * A copy with another invalid-row policy.
     *
     * @param policy fail or skip; not null
     * @return the new options
     */
    public ReadOptions withOnInvalid(OnInvalid policy) {
        return new ReadOptions(policy, normalizeLineEndings);
    }

    /**
     * A copy with another line-ending setting.
     *
     * @param normalize true to turn "\r\n" and "\r" into "\n" in text fields
     * @return the new options
     */
    public ReadOptions withNormalizeLineEndings(boolean normalize) {
        return new ReadOptions(onInvalid, normalize);
    }
}
