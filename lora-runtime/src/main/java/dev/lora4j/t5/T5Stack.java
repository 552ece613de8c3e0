package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.Module;
import dev.lora4j.nn.ModuleList;
import dev.lora4j.nn.NormLayer;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.nn.Slot;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The encoder or the decoder: token embeddings (shared with the other stack, passed in) → dropout →
 * blocks → final RMS norm → dropout. The relative position bias is computed by the first block's
 * table, once per prefix length in use, and every block adds it (bidirectional buckets in the
 * encoder, unidirectional in the decoder). The prefix hook fires here, for training, scoring and
 * generation alike.
 */
final class T5Stack extends Module {
    private final String name;
    private final T5Hooks.Stack stack;
    private final ModuleList<T5Block> blocks;
    private final Slot<NormLayer> finalLayerNorm;
    private final int heads;
    private final int dKv;

    T5Stack(String name, T5Config config, T5Weights weights, boolean isDecoder) {
        this.name = name;
        this.stack = isDecoder ? T5Hooks.Stack.DECODER : T5Hooks.Stack.ENCODER;
        this.heads = config.numHeads();
        this.dKv = config.dKv();
        int layers = isDecoder ? config.numDecoderLayers() : config.numLayers();
        List<T5Block> built = new ArrayList<>(layers);
        for (int i = 0; i < layers; i++) {
            built.add(new T5Block(name + ".block." + i, i, config, weights, isDecoder, i == 0));
        }
        this.blocks = registerChild("block", ModuleList.class, new ModuleList<>(T5Block.class, built)).get();
        this.finalLayerNorm = registerChild("final_layer_norm", NormLayer.class, new RMSNorm(weights.constant(
                name + ".final_layer_norm.weight", new long[] {config.dModel()}, config.initializerFactor()),
                config.layerNormEpsilon()));
    }

    int numLayers() {
        return blocks.size();
    }

    T5Block block(int i) {
        return blocks.get(i);
    }

    private T5Hooks.Prefix prefix(T5Hooks hooks, int layer, T5Hooks.AttentionKind kind, long rows) {
        return hooks.hasPrefixHooks() ? hooks.prefix(new T5Hooks.AttentionSite(stack, layer, kind), rows, heads, dKv) : null;
    }

    private static long length(T5Hooks.Prefix prefix) {
        return prefix == null ? 0 : prefix.length();
    }

    /** Where the queries sit in the position bias: after the prefix, or at 0 (see {@link T5Hooks.Prefix}). */
    private static long queryOffset(T5Hooks.Prefix prefix) {
        return prefix == null || !prefix.offsetQueries() ? 0 : prefix.length();
    }

    /** One bias per prefix length and query placement: layers with the same prefix share it. */
    private static long biasKey(T5Hooks.Prefix prefix) {
        return prefix == null ? 0 : 2 * prefix.length() + (prefix.offsetQueries() ? 1 : 0);
    }

    /**
     * Encoder pass.
     *
     * @param embeddings (B, S, d_model)
     * @param keep       (B, S) bool, false at padding
     * @return (B, S, d_model)
     */
    Tensor encode(Tensor embeddings, Tensor keep, Dropout dropout, T5Hooks hooks) {
        return encode(embeddings, keep, dropout, hooks, null);
    }

    /**
     * Encoder pass over the rows kept by {@code rows} (see {@link PackedRows}), or padded without one.
     *
     * @param embeddings (B, S, d_model)
     * @param keep       (B, S) bool, false at padding
     * @return (1, N, d_model) packed by rows, or (B, S, d_model) without
     */
    Tensor encode(Tensor embeddings, Tensor keep, Dropout dropout, T5Hooks hooks, PackedRows rows) {
        long batch = embeddings.size(0);
        long length = embeddings.size(1);
        Map<Long, Tensor> biasByPrefix = new HashMap<>();
        Tensor hidden = dropout.at(name).apply(PackedRows.pack(rows, embeddings)); // (B, S, d_model) or (1, N, d_model)
        for (int i = 0; i < blocks.size(); i++) {
            T5Block block = blocks.get(i);
            T5Hooks.Prefix selfPrefix = prefix(hooks, i, T5Hooks.AttentionKind.SELF, batch);
            long p = length(selfPrefix);
            long offset = queryOffset(selfPrefix);
            Tensor selfBias = biasByPrefix.computeIfAbsent(biasKey(selfPrefix), key -> {
                Tensor bias = blocks.get(0).selfAttention().positionBias(length, p + length, offset); // (1, H, S, P+S)
                return AttentionMasks.restrict(bias, withPrefixColumns(keep, p).view(batch, 1, 1, p + length)); // (B, H, S, P+S)
            });
            // A scope per block releases its temporaries (those autograd does not keep) before the
            // next block runs, instead of at the end of the whole pass.
            try (Scope scope = Scope.open()) {
                hidden = scope.keep(block.forward(hidden, selfPrefix, selfBias, null, null, null,
                        dropout.at(block.path()), hooks, rows, null));
            }
        }
        return dropout.at(name + ".final_layer_norm").apply(finalLayerNorm.get().forward(hidden));
    }

    /**
     * Decoder pass over whole target sequences (teacher forcing).
     *
     * @param embeddings    (B, T, d_model)
     * @param keep          (B, T) bool, false at padding to hide from later tokens, or null for none
     * @param encoderHidden (B, S, d_model)
     * @param encoderKeep   (B, S) bool, false at encoder padding
     * @return (B, T, d_model)
     */
    Tensor decode(Tensor embeddings, Tensor keep, Tensor encoderHidden, Tensor encoderKeep, Dropout dropout,
                  T5Hooks hooks) {
        return decode(embeddings, keep, encoderHidden, encoderKeep, dropout, hooks, null, null);
    }

    /**
     * Decoder pass over the rows kept by {@code rows}, with the encoder output packed by
     * {@code encoderRows} (see {@link PackedRows}); either may be null for a padded tensor.
     *
     * @param embeddings    (B, T, d_model)
     * @param keep          (B, T) bool, false at padding to hide from later tokens, or null for none
     * @param encoderHidden (B, S, d_model), or (1, N', d_model) packed by encoderRows
     * @param encoderKeep   (B, S) bool, false at encoder padding
     * @return (1, N, d_model) packed by rows, or (B, T, d_model) without
     */
    Tensor decode(Tensor embeddings, Tensor keep, Tensor encoderHidden, Tensor encoderKeep, Dropout dropout,
                  T5Hooks hooks, PackedRows rows, PackedRows encoderRows) {
        long batch = embeddings.size(0);
        long length = embeddings.size(1);
        Device device = embeddings.device();
        Map<Long, Tensor> selfBiasByPrefix = new HashMap<>();
        Map<Long, Tensor> crossBiasByPrefix = new HashMap<>();
        Tensor hidden = dropout.at(name).apply(PackedRows.pack(rows, embeddings)); // (B, T, d_model) or (1, N, d_model)
        for (int i = 0; i < blocks.size(); i++) {
            T5Block block = blocks.get(i);
            T5Hooks.Prefix selfPrefix = prefix(hooks, i, T5Hooks.AttentionKind.SELF, batch);
            T5Hooks.Prefix crossPrefix = prefix(hooks, i, T5Hooks.AttentionKind.CROSS, batch);
            long p = length(selfPrefix);
            long offset = queryOffset(selfPrefix);
            Tensor selfBias = selfBiasByPrefix.computeIfAbsent(biasKey(selfPrefix), key -> {
                Tensor bias = blocks.get(0).selfAttention().positionBias(length, p + length, offset); // (1, H, T, P+T)
                // Query i sees the prefix and the tokens up to itself.
                Tensor allowed = Tensor.ones(DType.BOOL, device, length, p + length).tril(p); // (T, P+T)
                if (keep != null) {
                    allowed = allowed.logicalAnd(withPrefixColumns(keep, p).view(batch, 1, 1, p + length)); // (B, 1, T, P+T)
                }
                return AttentionMasks.restrict(bias, allowed); // (B|1, H, T, P+T)
            });
            Tensor crossBias = crossBiasByPrefix.computeIfAbsent(length(crossPrefix),
                    q -> AttentionMasks.additive(withPrefixColumns(encoderKeep, q), embeddings.dtype())); // (B, 1, 1, P+S)
            try (Scope scope = Scope.open()) {
                hidden = scope.keep(block.forward(hidden, selfPrefix, selfBias, encoderHidden, crossPrefix, crossBias,
                        dropout.at(block.path()), hooks, rows, encoderRows));
            }
        }
        return dropout.at(name + ".final_layer_norm").apply(finalLayerNorm.get().forward(hidden));
    }

    /** keep (B, L) bool with p true columns in front: (B, p+L); keep itself for p = 0. */
    private static Tensor withPrefixColumns(Tensor keep, long p) {
        if (p == 0) {
            return keep;
        }
        return Tensor.cat(1, Tensor.ones(DType.BOOL, keep.device(), keep.size(0), p), keep);
    }

    /**
     * Keys and values every decoder block needs for a new batch of sequences: cross-attention keys
     * and values of the encoder output (after the layer's cross prefix, if any), and self-attention
     * buffers for the layer's prefix plus maxLength tokens, pre-filled with the prefix.
     *
     * @param encoderHidden (N, S, d_model)
     * @param encoderKeep   (N, S) bool
     */
    T5KeyValueCache startDecoding(Tensor encoderHidden, Tensor encoderKeep, int maxLength, T5Hooks hooks) {
        int layers = blocks.size();
        Tensor[] selfKeys = new Tensor[layers];
        Tensor[] selfValues = new Tensor[layers];
        Tensor[] crossKeys = new Tensor[layers];
        Tensor[] crossValues = new Tensor[layers];
        Tensor[] crossBias = new Tensor[layers];
        int[] prefixLengths = new int[layers];
        int[] queryOffsets = new int[layers];
        long rows = encoderHidden.size(0);
        DType dtype = encoderHidden.dtype();
        Map<Long, Tensor> crossBiasByPrefix = new HashMap<>();
        for (int i = 0; i < layers; i++) {
            T5Attention cross = blocks.get(i).crossAttention();
            T5Hooks.Prefix crossPrefix = prefix(hooks, i, T5Hooks.AttentionKind.CROSS, rows);
            Tensor[] kv = cross.keysValues(encoderHidden); // 2 × (N, H, S, d_kv)
            crossKeys[i] = T5Block.withPrefix(crossPrefix == null ? null : crossPrefix.keys(), kv[0]); // (N, H, P'+S, d_kv)
            crossValues[i] = T5Block.withPrefix(crossPrefix == null ? null : crossPrefix.values(), kv[1]);
            crossBias[i] = crossBiasByPrefix.computeIfAbsent(length(crossPrefix),
                    p -> AttentionMasks.additive(withPrefixColumns(encoderKeep, p), dtype)); // (N, 1, 1, P'+S)
            T5Hooks.Prefix selfPrefix = prefix(hooks, i, T5Hooks.AttentionKind.SELF, rows);
            int p = Math.toIntExact(length(selfPrefix));
            prefixLengths[i] = p;
            queryOffsets[i] = Math.toIntExact(queryOffset(selfPrefix));
            DType cacheType = crossKeys[i].dtype();
            selfKeys[i] = Tensor.zeros(cacheType, encoderHidden.device(), rows, heads, p + maxLength, dKv);
            selfValues[i] = Tensor.zeros(cacheType, encoderHidden.device(), rows, heads, p + maxLength, dKv);
            if (selfPrefix != null) {
                selfKeys[i].narrow(2, 0, p).copyFrom(selfPrefix.keys());
                selfValues[i].narrow(2, 0, p).copyFrom(selfPrefix.values());
            }
        }
        return new T5KeyValueCache(selfKeys, selfValues, prefixLengths, queryOffsets, crossKeys, crossValues, crossBias,
                maxLength);
    }

    /**
     * Decodes one token per row at position cache.length(), updating the cache.
     *
     * @param embeddings (N, 1, d_model)
     * @return (N, 1, d_model)
     */
    Tensor decodeStep(Tensor embeddings, T5KeyValueCache cache, T5Hooks hooks) {
        long position = cache.length();
        // Only this token's row of the bias: its distance to the prefix and every earlier position (and itself).
        Map<Long, Tensor> biasByPrefix = new HashMap<>();
        Tensor hidden = embeddings;
        for (int i = 0; i < blocks.size(); i++) {
            int p = cache.prefixLength(i);
            int offset = cache.queryOffset(i);
            Tensor selfBias = biasByPrefix.computeIfAbsent(((long) p << 32) | offset,
                    key -> blocks.get(0).selfAttention().positionBias(1, p + position + 1, offset + position)); // (1, H, 1, P+L+1)
            try (Scope scope = Scope.open()) {
                hidden = scope.keep(blocks.get(i).decodeStep(hidden, cache, i, selfBias, hooks));
            }
        }
        cache.advance();
        return finalLayerNorm.get().forward(hidden);
    }
}
