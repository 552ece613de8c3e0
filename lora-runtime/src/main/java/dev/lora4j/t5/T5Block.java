package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;
import java.util.Map;

/**
 * One T5 layer: pre-norm self-attention, (decoder only) pre-norm cross-attention over the encoder
 * output, and a pre-norm feed-forward network, each added back to the residual stream through
 * dropout. Parameter names follow transformers: layer.0 is self-attention, layer.1 cross-attention
 * in the decoder or the FFN in the encoder, layer.2 the decoder's FFN.
 */
final class T5Block implements AutoCloseable {
    private static final double FLOAT16_MAX = 65504.0;

    private final String path;
    private final RMSNorm selfAttentionNorm;
    private final T5Attention selfAttention;
    private final RMSNorm crossAttentionNorm; // decoder only
    private final T5Attention crossAttention; // decoder only
    private final RMSNorm feedForwardNorm;
    private final T5FeedForward feedForward;

    T5Block(String path, T5Config config, T5Weights weights, boolean isDecoder, boolean hasRelativeBias) {
        this.path = path;
        long[] normShape = {config.dModel()};
        double eps = config.layerNormEpsilon();
        double normInit = config.initializerFactor();
        this.selfAttention = new T5Attention(path + ".layer.0.SelfAttention", config, weights, hasRelativeBias, !isDecoder);
        this.selfAttentionNorm = new RMSNorm(weights.constant(path + ".layer.0.layer_norm.weight", normShape, normInit), eps);
        String ffLayer;
        if (isDecoder) {
            // Cross-attention never has a position bias: the encoder and decoder positions are unrelated.
            this.crossAttention = new T5Attention(path + ".layer.1.EncDecAttention", config, weights, false, true);
            this.crossAttentionNorm = new RMSNorm(weights.constant(path + ".layer.1.layer_norm.weight", normShape, normInit), eps);
            ffLayer = path + ".layer.2";
        } else {
            this.crossAttention = null;
            this.crossAttentionNorm = null;
            ffLayer = path + ".layer.1";
        }
        this.feedForward = T5FeedForward.create(ffLayer + ".DenseReluDense", config, weights);
        this.feedForwardNorm = new RMSNorm(weights.constant(ffLayer + ".layer_norm.weight", normShape, normInit), eps);
    }

    T5Attention selfAttention() {
        return selfAttention;
    }

    T5Attention crossAttention() {
        return crossAttention;
    }

    /**
     * A whole sequence at once (training, scoring, the encoder).
     *
     * @param hidden         (B, T, d_model)
     * @param selfBias       (B|1, H, T, T) position bias with masked positions at the lowest value
     * @param encoderHidden  (B, S, d_model), decoder only (else null)
     * @param crossBias      (B, 1, 1, S) encoder padding as an additive bias, decoder only
     * @return (B, T, d_model)
     */
    Tensor forward(Tensor hidden, Tensor selfBias, Tensor encoderHidden, Tensor crossBias, Dropout dropout) {
        Tensor normed = selfAttentionNorm.forward(hidden); // (B, T, d_model)
        Tensor attended = selfAttention.attend(normed, selfAttention.keys(normed), selfAttention.values(normed),
                selfBias, dropout); // (B, T, d_model)
        hidden = clampHalfOverflow(hidden.add(dropout.apply(attended)));
        if (crossAttention != null) {
            Tensor crossNormed = crossAttentionNorm.forward(hidden); // (B, T, d_model)
            Tensor crossAttended = crossAttention.attend(crossNormed, crossAttention.keys(encoderHidden),
                    crossAttention.values(encoderHidden), crossBias, dropout); // (B, T, d_model)
            hidden = clampHalfOverflow(hidden.add(dropout.apply(crossAttended)));
        }
        return feedForward(hidden, dropout);
    }

    /**
     * One new decoder token per sequence, attending to the cached keys/values of the earlier ones.
     *
     * @param hidden    (N, 1, d_model) the new token's hidden state
     * @param cache     this block's keys/values are written at the cache's current position
     * @param layer     this block's index in the decoder
     * @param selfBias  (1, H, 1, P+1) position bias of the new token against positions 0..P
     * @return (N, 1, d_model)
     */
    Tensor decodeStep(Tensor hidden, T5KeyValueCache cache, int layer, Tensor selfBias) {
        Tensor normed = selfAttentionNorm.forward(hidden); // (N, 1, d_model)
        cache.append(layer, selfAttention.keys(normed), selfAttention.values(normed));
        Tensor attended = selfAttention.attend(normed, cache.selfKeys(layer), cache.selfValues(layer), selfBias,
                Dropout.NONE); // (N, 1, d_model)
        hidden = clampHalfOverflow(hidden.add(attended));
        Tensor crossNormed = crossAttentionNorm.forward(hidden); // (N, 1, d_model)
        Tensor crossAttended = crossAttention.attend(crossNormed, cache.crossKeys(layer), cache.crossValues(layer),
                cache.crossBias(), Dropout.NONE); // (N, 1, d_model)
        hidden = clampHalfOverflow(hidden.add(crossAttended));
        return feedForward(hidden, Dropout.NONE);
    }

    private Tensor feedForward(Tensor hidden, Dropout dropout) {
        Tensor transformed = feedForward.forward(feedForwardNorm.forward(hidden), dropout); // (B, T, d_model)
        return clampHalfOverflow(hidden.add(dropout.apply(transformed)));
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

    void collectParameters(Map<String, Tensor> out) {
        selfAttention.collectParameters(path + ".layer.0.SelfAttention", out);
        out.put(path + ".layer.0.layer_norm.weight", selfAttentionNorm.weight());
        String ffLayer = path + ".layer.1";
        if (crossAttention != null) {
            crossAttention.collectParameters(path + ".layer.1.EncDecAttention", out);
            out.put(path + ".layer.1.layer_norm.weight", crossAttentionNorm.weight());
            ffLayer = path + ".layer.2";
        }
        feedForward.collectParameters(out);
        out.put(ffLayer + ".layer_norm.weight", feedForwardNorm.weight());
    }

    void collectLinearSlots(Map<String, LinearSlot> out) {
        selfAttention.collectLinearSlots(out);
        if (crossAttention != null) {
            crossAttention.collectLinearSlots(out);
        }
        feedForward.collectLinearSlots(out);
    }

    @Override
    public void close() {
        selfAttention.close();
        selfAttentionNorm.close();
        if (crossAttention != null) {
            crossAttention.close();
            crossAttentionNorm.close();
        }
        feedForward.close();
        feedForwardNorm.close();
    }
}
