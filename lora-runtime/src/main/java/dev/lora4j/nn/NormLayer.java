package dev.lora4j.nn;

import dev.lora4j.tensor.Tensor;

/**
 * A normalisation layer over the last dimension: {@link RMSNorm}, or a layer standing in its place (a
 * trainable copy for LN tuning). Models keep their norms in {@code Slot<NormLayer>}s.
 */
public abstract class NormLayer extends Module {
    /** For subclasses, which register their own parameters and children. */
    public NormLayer() {
    }

    /**
     * Normalises over the last dimension: x (..., dim) → (..., dim).
     *
     * @param x the input (..., dim)
     * @return a new tensor (..., dim)
     */
    public abstract Tensor forward(Tensor x);

    /**
     * The size of the normalised (last) dimension.
     *
     * @return the number of features
     */
    public abstract long dim();

    @Override
    protected boolean canReplace(Module other) {
        return other instanceof NormLayer n && n.dim() == dim();
    }
}
