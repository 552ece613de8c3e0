package dev.lora4j.nn;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;

/**
 * A layer that maps (..., inFeatures) to (..., outFeatures): a plain {@link Linear}, or a layer that
 * stands in its place (a LoRA wrapper adding a low-rank update to its base's output; a quantized
 * linear later). Models keep their projections in {@code Slot<LinearLayer>}s, so any of them can be
 * replaced by path without the model knowing what the replacement does.
 */
public abstract class LinearLayer extends Module {
    /** For subclasses, which register their own parameters and children. */
    public LinearLayer() {
    }

    /**
     * Applies the layer: (..., inFeatures) → (..., outFeatures).
     *
     * @param x the input (..., inFeatures), in {@link #computeDType()}
     * @return a new tensor (..., outFeatures)
     */
    public abstract Tensor forward(Tensor x);

    /**
     * The size of the input's last dimension.
     *
     * @return the number of input features
     */
    public abstract long inFeatures();

    /**
     * The size of the output's last dimension.
     *
     * @return the number of output features
     */
    public abstract long outFeatures();

    /**
     * The dtype the layer computes in, which its input should have. Usually the model's dtype; T5 keeps its
     * FFN output projection in float32 when the model runs in float16, and casts the activations to match
     * before calling it.
     *
     * @return the dtype the input should have
     */
    public abstract DType computeDType();

    @Override
    protected boolean canReplace(Module other) {
        return other instanceof LinearLayer l && l.inFeatures() == inFeatures() && l.outFeatures() == outFeatures();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + inFeatures() + " -> " + outFeatures() + ")";
    }
}
