package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.Module;
import dev.lora4j.nn.ModuleList;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One T5 layer: pre-norm self-attention, (decoder only) pre-norm cross-attention over the encoder
 * output, and a pre-norm feed-forward network, each a {@link T5Sublayer}. Parameter names follow
 * transformers: layer.0 is self-attention, layer.1 cross-attention in the decoder or the FFN in the
 * encoder, layer.2 the decoder's FFN.
 */
final class T5Block extends Module {
    private final String path;
    private final T5Sublayer selfAttention;
    private final T5Sublayer crossAttention; // decoder only
    private final T5Sublayer feedForward;

    T5Block(String path, int index, T5Config config, T5Weights weights, boolean isDecoder, boolean hasRelativeBias) {
        this.path = path;
        T5Hooks.Stack stack = isDecoder ? T5Hooks.Stack.DECODER : T5Hooks.Stack.ENCODER;
        List<T5Sublayer> layers = new ArrayList<>();
        String self = path + ".layer.0";
        this.selfAttention = new T5Sublayer(new T5Hooks.SublayerSite(stack, index, T5Hooks.SublayerKind.SELF_ATTENTION),
                "SelfAttention", T5Attention.class,
                new T5Attention(self + ".SelfAttention", config, weights, hasRelativeBias, !isDecoder),
                norm(self, config, weights));
        layers.add(selfAttention);
        String ffLayer = path + ".layer.1";
        if (isDecoder) {
            // Cross-attention never has a position bias: the encoder and decoder positions are unrelated.
            String cross = path + ".layer.1";
            this.crossAttention = new T5Sublayer(new T5Hooks.SublayerSite(stack, index, T5Hooks.SublayerKind.CROSS_ATTENTION),
                    "EncDecAttention", T5Attention.class,
                    new T5Attention(cross + ".EncDecAttention", config, weights, false, true), norm(cross, config, weights));
            layers.add(crossAttention);
            ffLayer = path + ".layer.2";
        } else {
            this.crossAttention = null;
        }
        this.feedForward = new T5Sublayer(new T5Hooks.SublayerSite(stack, index, T5Hooks.SublayerKind.FEED_FORWARD),
                "DenseReluDense", T5FeedForward.class, T5FeedForward.create(ffLayer + ".DenseReluDense", config, weights),
                norm(ffLayer, config, weights));
        layers.add(feedForward);
        registerChild("layer", ModuleList.class, new ModuleList<>(T5Sublayer.class, layers));
    }

    private static RMSNorm norm(String layerPath, T5Config config, T5Weights weights) {
        return new RMSNorm(weights.constant(layerPath + ".layer_norm.weight", new long[] {config.dModel()},
                config.initializerFactor()), config.layerNormEpsilon());
    }

    /** The block's module path, which keys its dropout masks. */
    String path() {
        return path;
    }

    T5Attention selfAttention() {
        return selfAttention.attention();
    }

    T5Attention crossAttention() {
        return crossAttention == null ? null : crossAttention.attention();
    }

    /**
     * A whole sequence at once (training, scoring, the encoder).
     *
     * @param hidden        (B, T, d_model)
     * @param selfPrefix    extra self-attention keys/values (B, H, P, d_kv), or null
     * @param selfBias      (B|1, H, T, P+T) position bias with masked positions at the lowest value
     * @param encoderHidden (B, S, d_model), decoder only (else null)
     * @param crossPrefix   extra cross-attention keys/values (B, H, P', d_kv), or null
     * @param crossBias     (B, 1, 1, P'+S) encoder padding as an additive bias, decoder only
     * @param rows          how hidden is packed ((1, N, d_model) then, as the result), or null for padded
     * @param encoderRows   how encoderHidden is packed, or null for padded
     * @return (B, T, d_model)
     */
    Tensor forward(Tensor hidden, T5Hooks.Prefix selfPrefix, Tensor selfBias, Tensor encoderHidden,
                   T5Hooks.Prefix crossPrefix, Tensor crossBias, Dropout dropout, T5Hooks hooks,
                   PackedRows rows, PackedRows encoderRows) {
        T5Attention self = selfAttention.attention();
        hidden = selfAttention.forward(hidden, normed -> {
            Tensor[] qkv = self.queriesKeysValues(normed, rows); // 3 × (B, H, T, d_kv)
            Tensor keys = withPrefix(selfPrefix == null ? null : selfPrefix.keys(), qkv[1]);
            Tensor values = withPrefix(selfPrefix == null ? null : selfPrefix.values(), qkv[2]);
            return self.attendWith(qkv[0], rows, keys, values, selfBias, dropout);
        }, dropout, hooks);
        if (crossAttention != null) {
            T5Attention cross = crossAttention.attention();
            Tensor[] kv = cross.keysValues(encoderHidden, encoderRows); // 2 × (B, H, S, d_kv)
            Tensor keys = withPrefix(crossPrefix == null ? null : crossPrefix.keys(), kv[0]);
            Tensor values = withPrefix(crossPrefix == null ? null : crossPrefix.values(), kv[1]);
            hidden = crossAttention.forward(hidden, normed -> cross.attend(normed, rows, keys, values, crossBias, dropout),
                    dropout, hooks);
        }
        return feedForward(hidden, dropout, hooks);
    }

    /**
     * One new decoder token per sequence, attending to the cached keys/values of the earlier ones
     * (and the layer's prefix, which the cache holds before them).
     *
     * @param hidden    (N, 1, d_model) the new token's hidden state
     * @param cache     this block's keys/values are written at the cache's current position
     * @param layer     this block's index in the decoder
     * @param selfBias  (1, H, 1, P+L+1) position bias of the new token against the prefix and positions 0..L
     * @return (N, 1, d_model)
     */
    Tensor decodeStep(Tensor hidden, T5KeyValueCache cache, int layer, Tensor selfBias, T5Hooks hooks) {
        T5Attention self = selfAttention.attention();
        hidden = selfAttention.forward(hidden, normed -> {
            Tensor[] qkv = self.queriesKeysValues(normed); // 3 × (N, H, 1, d_kv)
            cache.append(layer, qkv[1], qkv[2]);
            return self.attendWith(qkv[0], cache.selfKeys(layer), cache.selfValues(layer), selfBias, Dropout.NONE);
        }, Dropout.NONE, hooks);
        T5Attention cross = crossAttention.attention();
        hidden = crossAttention.forward(hidden, normed -> cross.attend(normed, cache.crossKeys(layer),
                cache.crossValues(layer), cache.crossBias(layer), Dropout.NONE), Dropout.NONE, hooks);
        return feedForward(hidden, Dropout.NONE, hooks);
    }

    private Tensor feedForward(Tensor hidden, Dropout dropout, T5Hooks hooks) {
        T5FeedForward ff = feedForward.feedForward();
        return feedForward.forward(hidden, normed -> ff.forward(normed, dropout), dropout, hooks);
    }

    /** (B, H, P, d_kv) prefix before (B, H, T, d_kv) → (B, H, P+T, d_kv); the tensor itself without one. */
    static Tensor withPrefix(Tensor prefix, Tensor tensor) {
        return prefix == null ? tensor : Tensor.cat(2, prefix.to(tensor.dtype()), tensor);
    }
}
