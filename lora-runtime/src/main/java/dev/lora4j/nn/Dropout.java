package dev.lora4j.nn;

import dev.lora4j.tensor.Functional;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;

/**
 * Inverted dropout with probability p, active only in training. Masks come from the given generator
 * (null: libtorch's default one), so a seeded generator makes a training run's dropout reproducible.
 * A model builds one per forward pass from its mode; it owns nothing.
 */
public record Dropout(double p, boolean training, Generator generator) {
    /** Dropout that never drops (evaluation, or p = 0). */
    public static final Dropout NONE = new Dropout(0.0, false, null);

    /** Whether {@link #apply} changes anything. */
    public boolean active() {
        return training && p > 0;
    }

    /** x → x with elements zeroed with probability p and the rest scaled by 1/(1-p); x itself when inactive. */
    public Tensor apply(Tensor x) {
        return active() ? Functional.dropout(x, p, true, generator) : x;
    }
}
