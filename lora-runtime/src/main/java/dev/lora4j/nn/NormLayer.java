package dev.lora4j.nn;

import dev.lora4j.tensor.Tensor;

/**
 * A normalisation layer over the last dimension: {@link RMSNorm}, or a layer standing in its place (a
 * trainable copy for LN tuning). Models keep their norms in {@code Slot<NormLayer>}s.
 */
public abstract class NormLayer extends Module {
    /** x (..., dim) → (..., dim). */
    public abstract Tensor forward(Tensor x);

    public abstract long dim();

    @Override
    protected boolean canReplace(Module other) {
        return other instanceof NormLayer n && n.dim() == dim();
    }
}
