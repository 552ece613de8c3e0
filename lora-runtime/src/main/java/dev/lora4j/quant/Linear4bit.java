package dev.lora4j.quant;

import dev.lora4j.Lora4jException;
import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.util.Map;

/**
 * A frozen linear layer over a 4-bit weight (bitsandbytes' {@code Linear4bit}): each forward dequantizes
 * the weight block by block into the compute dtype, multiplies, and frees the dequantized copy; backward
 * gives dx through the same weights (dequantized again) and never a weight gradient. The input is cast
 * to the compute dtype and the output back to the input's dtype, as bitsandbytes does.
 *
 * <p>The layer's parameters are the quantized tensors under transformers' keys ({@code weight},
 * {@code weight.absmax}, ...), so a model holding it saves as a 4-bit checkpoint transformers loads.
 * LoRA wraps it as any {@link LinearLayer}.
 */
public final class Linear4bit extends LinearLayer {
    private final QuantState state;
    private final DType computeDType;

    /**
     * Takes ownership of state; computes in computeDType (float32, bfloat16 or float16).
     *
     * @param state        the 2-D quantized weight (out_features, in_features); its tensors become the layer's parameters
     * @param computeDType the dtype inputs are cast to for the product
     */
    public Linear4bit(QuantState state, DType computeDType) {
        if (computeDType != DType.FLOAT32 && computeDType != DType.BFLOAT16 && computeDType != DType.FLOAT16) {
            throw new Lora4jException("linear4bit", "compute dtype must be float32, bfloat16 or float16, got " + computeDType);
        }
        if (state.shape().length != 2) {
            throw new Lora4jException("linear4bit", "a 4-bit linear weight must be 2-D, got " + java.util.Arrays.toString(state.shape()));
        }
        this.state = state;
        this.computeDType = computeDType;
        for (Map.Entry<String, Tensor> e : state.tensors("weight").entrySet()) {
            registerParameter(e.getKey(), e.getValue());
        }
    }

    /**
     * Quantizes a dense layer's weight (which must have no bias: T5's projections have none) and returns
     * the 4-bit layer; the dense layer is left as it was, for the caller to close.
     *
     * @param dense        the layer to quantize; not changed or kept
     * @param type         the 4-bit code, FP4 or NF4
     * @param blocksize    elements per scale
     * @param doubleQuant  whether to quantize the scales again to 8 bits
     * @param computeDType the dtype the new layer computes in
     * @return a new 4-bit layer, owned by the caller
     */
    public static Linear4bit quantize(Linear dense, QuantType type, int blocksize, boolean doubleQuant, DType computeDType) {
        if (dense.bias() != null) {
            throw new Lora4jException("linear4bit", "quantizing a linear layer with a bias is not supported");
        }
        return new Linear4bit(QuantState.quantize(dense.weight(), type, blocksize, doubleQuant), computeDType);
    }

    /**
     * The quantized weight.
     *
     * @return the layer's state, owned by the layer
     */
    public QuantState state() {
        return state;
    }

    @Override
    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {
            Tensor input = x.dtype() == computeDType ? x : x.to(computeDType);
            Tensor y;
            try (Tensor scales = state.scales()) {
                y = QuantOps.linear4bit(input, state.packed(), scales, state.blocksize(), state.type(), outFeatures(), inFeatures(),
                        state.dtype());
            }
            Tensor out = y.dtype() == x.dtype() ? y : y.to(x.dtype());
            return scope.keep(out);
        }
    }

    /**
     * The weight dequantized into its original dtype, a new tensor (for merging and inspection).
     *
     * @return (out_features, in_features), owned by the caller (or the open scope)
     */
    public Tensor dequantizedWeight() {
        return state.dequantize();
    }

    @Override
    public long inFeatures() {
        return state.shape()[1];
    }

    @Override
    public long outFeatures() {
        return state.shape()[0];
    }

    @Override
    public DType computeDType() {
        return computeDType;
    }
}
