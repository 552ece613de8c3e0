package dev.lora4j.nn;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;
import java.util.List;

/**
 * A layer that maps (..., inFeatures) to (..., outFeatures): a plain {@link Linear}, or a wrapper around
 * one (a LoRA layer adds a low-rank update to its base layer's output). Models hold their projections
 * as LinearLayers so any of them can be swapped for a wrapper by module path, without the model
 * knowing what the wrapper does.
 *
 * <p>A layer owns its tensors: {@link #close()} frees them (a wrapper also closes the layer it wraps).
 */
public interface LinearLayer extends AutoCloseable {
    /** (..., inFeatures) → (..., outFeatures). */
    Tensor forward(Tensor x);

    long inFeatures();

    long outFeatures();

    /**
     * The dtype the layer computes in, which its input should have. Usually the model's dtype; T5
     * keeps its FFN output projection in float32 when the model runs in float16, and casts the
     * activations to match before calling it.
     */
    DType computeDType();

    /** This layer's parameters, named relative to the layer ("weight", "bias"), in a stable order. */
    List<NamedParameter> parameters();

    /** Frees the layer's tensors. Idempotent. */
    @Override
    void close();
}
