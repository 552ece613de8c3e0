package dev.lora4j.t5;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;

/**
 * Masks for T5 attention, as additive score biases: a masked position gets the dtype's lowest finite
 * value (not -inf, which would turn a fully masked row into NaN), the way transformers builds them.
 */
final class AttentionMasks {
    private AttentionMasks() {}

    /** torch.finfo(dtype).min. */
    static double lowest(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> -Float.MAX_VALUE;
            case FLOAT64 -> -Double.MAX_VALUE;
            case BFLOAT16 -> -3.3895313892515355e38;
            case FLOAT16 -> -65504.0;
            default -> throw new Lora4jException("attention mask", "no floating-point range for " + dtype);
        };
    }

    /** An attention mask (B, S) of 1 = token / 0 = padding, any dtype → bool (B, S), true = attend. */
    static Tensor keep(Tensor attentionMask) {
        return attentionMask.dtype() == DType.BOOL ? attentionMask : attentionMask.ne(0);
    }

    /** bias broadcast with allowed; where allowed is false the result is the lowest value of bias's dtype. */
    static Tensor restrict(Tensor bias, Tensor allowed) {
        return bias.maskedFill(allowed.logicalNot(), lowest(bias.dtype()));
    }

    /** (B, S) bool → an additive (B, 1, 1, S) bias: 0 where allowed, lowest where not. */
    static Tensor additive(Tensor allowed, DType dtype) {
        long batch = allowed.size(0);
        long length = allowed.size(1);
        Tensor zeros = Tensor.zeros(dtype, allowed.device(), batch, 1, 1, length); // (B, 1, 1, S)
        return restrict(zeros, allowed.view(batch, 1, 1, length));
    }

    /** (T, T) bool, true on and below the diagonal: query i may attend to keys 0..i. */
    static Tensor causal(long length, Device device) {
        return Tensor.ones(DType.BOOL, device, length, length).tril(0);
    }
}
