package dev.lora4j.nn;

import dev.lora4j.tensor.Functional;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;

/**
 * Inverted dropout with probability p, active only in training. Masks come from the given generator
 * (null: libtorch's default one). With a {@link RandomKey}, {@link #at} reseeds the generator for each
 * site (a model's block), so every site's masks are a function of the key and the site alone. A model
 * builds one per forward pass from its mode; it owns nothing.
 */
public record Dropout(double p, boolean training, Generator generator, RandomKey key) {
    /** Dropout that never drops (evaluation, or p = 0). */
    public static final Dropout NONE = new Dropout(0.0, false, null, null);

    /** Masks drawn from generator in sequence (no per-site keys). */
    public Dropout(double p, boolean training, Generator generator) {
        this(p, training, generator, null);
    }

    /** Whether {@link #apply} changes anything. */
    public boolean active() {
        return training && p > 0;
    }

    /** Reseeds the generator for the site at path when keyed; returns this. Call before the site draws. */
    public Dropout at(String path) {
        if (active() && key != null && generator != null) {
            generator.setSeed(key.derive(path));
        }
        return this;
    }

    /** x → x with elements zeroed with probability p and the rest scaled by 1/(1-p); x itself when inactive. */
    public Tensor apply(Tensor x) {
        return active() ? Functional.dropout(x, p, true, generator) : x;
    }
}
