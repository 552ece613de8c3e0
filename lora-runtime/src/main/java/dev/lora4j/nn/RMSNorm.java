package dev.lora4j.nn;

import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;

/**
 * Root-mean-square layer norm as T5 uses it (T5LayerNorm): x / sqrt(mean(x²) + eps) · weight, with no
 * mean subtraction and no bias. The mean of squares is accumulated in float32 whatever the input
 * dtype, because half-precision sums of squares lose too much; the normalised activations go back
 * to the weight's dtype when that is half precision, exactly as transformers does.
 */
public final class RMSNorm extends NormLayer {
    private final Tensor weight; // (dim)
    private final double eps;

    /**
     * Takes ownership of weight (dim).
     *
     * @param weight the per-feature scale (dim), registered as parameter {@code weight}
     * @param eps added to the mean of squares before the square root, for stability (T5: 1e-6)
     * @throws Lora4jException if weight is not one-dimensional
     */
    public RMSNorm(Tensor weight, double eps) {
        if (weight.dim() != 1) {
            throw new Lora4jException("rms_norm", "weight must be one-dimensional, got " + weight);
        }
        this.weight = registerParameter("weight", weight);
        this.eps = eps;
    }

    /**
     * The per-feature scale.
     *
     * @return the weight (dim), still owned by this layer
     */
    public Tensor weight() {
        return weight;
    }

    /**
     * The term added to the mean of squares before the square root.
     *
     * @return epsilon
     */
    public double eps() {
        return eps;
    }

    /**
     * x / sqrt(mean(x²) + eps) · weight over the last dimension.
     *
     * @param x the input (..., dim)
     * @return a new tensor (..., dim): in the weight's dtype when that is half precision, else as promoted
     */
    @Override
    public Tensor forward(Tensor x) {
        Tensor variance = x.to(DType.FLOAT32).pow(2).mean(true, -1); // (..., 1) float32
        Tensor normed = x.mul(variance.add(eps).rsqrt()); // (..., dim), promoted to float32
        DType weightType = weight.dtype();
        if (weightType == DType.FLOAT16 || weightType == DType.BFLOAT16) {
            normed = normed.to(weightType);
        }
        return weight.mul(normed); // (..., dim)
    }

    @Override
    public long dim() {
        return weight.size(0);
    }
}
