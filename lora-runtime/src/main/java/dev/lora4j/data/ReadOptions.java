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

    public ReadOptions {
        if (onInvalid == null) {
            throw new Lora4jException("data", "onInvalid must not be null");
        }
    }

    public static ReadOptions defaults() {
        return new ReadOptions(OnInvalid.FAIL, true);
    }

    public ReadOptions withOnInvalid(OnInvalid policy) {
        return new ReadOptions(policy, normalizeLineEndings);
    }

    public ReadOptions withNormalizeLineEndings(boolean normalize) {
        return new ReadOptions(onInvalid, normalize);
    }
}
