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

    /** Takes ownership of weight (dim). */
    public RMSNorm(Tensor weight, double eps) {
        if (weight.dim() != 1) {
            throw new Lora4jException("rms_norm", "weight must be one-dimensional, got " + weight);
        }
        this.weight = registerParameter("weight", weight);
        this.eps = eps;
    }

    public Tensor weight() {
        return weight;
    }

    public double eps() {
        return eps;
    }

    /** x (..., dim) → (..., dim). */
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
