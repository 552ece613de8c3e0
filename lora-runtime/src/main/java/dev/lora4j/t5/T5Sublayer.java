package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.Module;
import dev.lora4j.nn.NormLayer;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.nn.Slot;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * One pre-norm residual sublayer of a T5 block, as transformers' T5LayerSelfAttention,
 * T5LayerCrossAttention and T5LayerFF: hidden + dropout(f(layer_norm(hidden))). The sublayer hook
 * fires here, and only here, between the dropout and the residual add.
 */
final class T5Sublayer extends Module {
    private static final double FLOAT16_MAX = 65504.0;

    private final T5Hooks.SublayerSite site;
    private final Module inner;
    private final Slot<NormLayer> norm;

    /** inner is registered under innerName (SelfAttention, EncDecAttention or DenseReluDense). */
    <M extends Module> T5Sublayer(T5Hooks.SublayerSite site, String innerName, Class<M> innerKind, M inner, RMSNorm norm) {
        this.site = site;
        this.inner = registerChild(innerName, innerKind, inner).get();
        this.norm = registerChild("layer_norm", NormLayer.class, norm);
    }

    T5Attention attention() {
        return (T5Attention) inner;
    }

    T5FeedForward feedForward() {
        return (T5FeedForward) inner;
    }

    /**
     * @param hidden (B, T, d_model) the residual stream
     * @param f      the sublayer's computation on the normed input, (B, T, d_model) → (B, T, d_model)
     * @return (B, T, d_model)
     */
    Tensor forward(Tensor hidden, UnaryOperator<Tensor> f, Dropout dropout, T5Hooks hooks) {
        Tensor normed = norm.get().forward(hidden); // (B, T, d_model)
        Tensor output = dropout.apply(f.apply(normed)); // (B, T, d_model)
        if (hooks.hasSublayerHooks()) {
            output = hooks.sublayer(site, hidden, normed, output);
        }
        return clampHalfOverflow(hidden.add(output));
    }

    /**
     * transformers' float16 guard: when a residual sum overflowed to inf, clamp everything to
     * ±(max - 1000) so training can continue; otherwise clamping to ±max changes nothing. Only float16
     * needs it (bfloat16 has float32's range). The inf check syncs with the device, as in transformers.
     */
    private static Tensor clampHalfOverflow(Tensor hidden) {
        if (hidden.dtype() != DType.FLOAT16) {
            return hidden;
        }
        boolean hasInf = hidden.abs().eq(Double.POSITIVE_INFINITY).sum().itemLong() > 0;
        double limit = hasInf ? FLOAT16_MAX - 1000 : FLOAT16_MAX;
        return hidden.clamp(-limit, limit);
    }
}
