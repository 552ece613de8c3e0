package dev.lora4j.examples;

import dev.lora4j.Lora4jException;

/**
 * Range checks of numeric options, one option at a time, so the message names the flag and its valid
 * range before any work starts (the library's own checks come later and speak of fields, not flags).
 */
final class OptionChecks {
    private OptionChecks() {}

    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new Lora4jException("cli", option + " must be at least " + min + ", got " + value);
        }
    }

    static void between(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new Lora4jException("cli", option + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    static void positive(String option, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new Lora4jException("cli", option + " must be a positive number, got " + value);
        }
    }

    static void nonNegative(String option, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new Lora4jException("cli", option + " must be 0 or more, got " + value);
        }
    }

    /** min <= value < max. */
    static void inHalfOpen(String option, double value, double min, double max) {
        if (!(value >= min && value < max)) {
            throw new Lora4jException("cli", option + " must be at least " + min + " and below " + max + ", got " + value);
        }
    }
}
