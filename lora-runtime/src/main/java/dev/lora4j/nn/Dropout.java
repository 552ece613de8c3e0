package dev.lora4j.nn;

import dev.lora4j.tensor.Functional;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;

/**
 * Inverted dropout with probability p, active only in training. Masks come from the given generator (null:
 * libtorch's default one). With a {@link RandomKey}, {@link #at} reseeds the generator for each site (a
 * model's block), so every site's masks are a function of the key and the site alone. A model builds one per
 * forward pass from its mode; it owns nothing.
 *
 * @param p the probability of zeroing an element, in [0, 1]
 * @param training whether the model is training; dropout does nothing otherwise
 * @param generator the generator masks are drawn from, or null for libtorch's default one; not owned
 * @param key the key {@link #at} derives per-site seeds from, or null to draw from the generator in sequence
 */
public record Dropout(double p, boolean training, Generator generator, RandomKey key) {
    /**
     * Checks that a keyed dropout has a generator to reseed per site.
     *
     * @throws IllegalArgumentException for a key without a generator: reseeding per site needs a generator
     *                                  of its own (libtorch's default one is shared with everything else)
     */
    public Dropout {
        if (key != null && generator == null) {
            throw new IllegalArgumentException("keyed dropout needs its own generator; without one its masks would come from "
                    + "libtorch's default generator in sequence, not from the key");
        }
    }

    /** Dropout that never drops (evaluation, or p = 0). */
    public static final Dropout NONE = new Dropout(0.0, false, null, null);

    /**
     * Masks drawn from generator in sequence (no per-site keys).
     *
     * @param p the probability of zeroing an element, in [0, 1]
     * @param training whether the model is training; dropout does nothing otherwise
     * @param generator the generator masks are drawn from, or null for libtorch's default one; not owned
     */
    public Dropout(double p, boolean training, Generator generator) {
        this(p, training, generator, null);
    }

    /**
     * Whether {@link #apply} changes anything.
     *
     * @return true when training with p above 0
     */
    public boolean active() {
        return training && p > 0;
    }

    /**
     * Reseeds the generator for the site at path when keyed (active, with a key and a generator). Call it
     * before the site draws.
     *
     * @param path the module path of the site, such as {@code encoder.block.3}
     * @return this dropout
     */
    public Dropout at(String path) {
        if (active() && key != null && generator != null) {
            generator.setSeed(key.derive(path));
        }
        return this;
    }

    /**
     * Zeroes elements of x with probability p and scales the rest by 1/(1-p); x itself when inactive.
     *
     * @param x the activations
     * @return a new tensor shaped like {@code x}, or {@code x} itself (not a copy) when inactive
     */
    public Tensor apply(Tensor x) {
        return active() ? Functional.dropout(x, p, true, generator) : x;
    }

    /**
     * Attention whose probabilities this dropout drops, {@code apply(softmax(q·kᵀ + bias))·v} with the same
     * mask, keeping neither the probabilities nor the mask for the backward
     * ({@link Functional#dropoutAttention}).
     *
     * @param q    the queries (..., Tq, E)
     * @param k    the keys (..., Tk, E)
     * @param v    the values (..., Tk, Ev)
     * @param bias added to the (unscaled) scores, broadcastable to (..., Tq, Tk), or null
     * @return a new tensor (..., Tq, Ev)
     */
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias) {
        return Functional.dropoutAttention(q, k, v, bias, p, active(), generator);
    }
}
