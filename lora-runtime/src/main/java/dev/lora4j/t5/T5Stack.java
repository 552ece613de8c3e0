package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The encoder or the decoder: token embeddings (shared with the other stack, passed in) → dropout →
 * blocks → final RMS norm → dropout. The relative position bias is computed once, by the first
 * block's table, and every block adds the same bias (bidirectional buckets in the encoder,
 * unidirectional in the decoder).
 */
final class T5Stack implements AutoCloseable {
    private final String path;
    private final boolean isDecoder;
    private final List<T5Block> blocks;
    private final RMSNorm finalLayerNorm;

    T5Stack(String path, T5Config config, T5Weights weights, boolean isDecoder) {
        this.path = path;
        this.isDecoder = isDecoder;
        int layers = isDecoder ? config.numDecoderLayers() : config.numLayers();
        List<T5Block> built = new ArrayList<>(layers);
        for (int i = 0; i < layers; i++) {
            built.add(new T5Block(path + ".block." + i, config, weights, isDecoder, i == 0));
        }
        this.blocks = List.copyOf(built);
        this.finalLayerNorm = new RMSNorm(weights.constant(path + ".final_layer_norm.weight",
                new long[] {config.dModel()}, config.initializerFactor()), config.layerNormEpsilon());
    }

    int numLayers() {
        return blocks.size();
    }

    T5Block block(int i) {
        return blocks.get(i);
    }

    /**
     * Encoder pass.
     *
     * @param embeddings (B, S, d_model)
     * @param keep       (B, S) bool, false at padding
     * @return (B, S, d_model)
     */
    Tensor encode(Tensor embeddings, Tensor keep, Dropout dropout) {
        long batch = embeddings.size(0);
        long length = embeddings.size(1);
        Tensor bias = blocks.get(0).selfAttention().positionBias(length, length, 0); // (1, H, S, S)
        Tensor selfBias = AttentionMasks.restrict(bias, keep.view(batch, 1, 1, length)); // (B, H, S, S)
        Tensor hidden = dropout.apply(embeddings); // (B, S, d_model)
        for (T5Block block : blocks) {
            // A scope per block releases its temporaries (those autograd does not keep) before the
            // next block runs, instead of at the end of the whole pass.
            try (Scope scope = Scope.open()) {
                hidden = scope.keep(block.forward(hidden, selfBias, null, null, dropout));
            }
        }
        return dropout.apply(finalLayerNorm.forward(hidden));
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
    Tensor decode(Tensor embeddings, Tensor keep, Tensor encoderHidden, Tensor encoderKeep, Dropout dropout) {
        long batch = embeddings.size(0);
        long length = embeddings.size(1);
        Tensor bias = blocks.get(0).selfAttention().positionBias(length, length, 0); // (1, H, T, T)
        Tensor allowed = AttentionMasks.causal(length, embeddings.device()); // (T, T)
        if (keep != null) {
            allowed = allowed.logicalAnd(keep.view(batch, 1, 1, length)); // (B, 1, T, T)
        }
        Tensor selfBias = AttentionMasks.restrict(bias, allowed); // (B|1, H, T, T)
        Tensor crossBias = AttentionMasks.additive(encoderKeep, embeddings.dtype()); // (B, 1, 1, S)
        Tensor hidden = dropout.apply(embeddings); // (B, T, d_model)
        for (T5Block block : blocks) {
            try (Scope scope = Scope.open()) {
                hidden = scope.keep(block.forward(hidden, selfBias, encoderHidden, crossBias, dropout));
            }
        }
        return dropout.apply(finalLayerNorm.forward(hidden));
    }

    /**
     * Keys and values every decoder block needs for a new batch of sequences: cross-attention keys
     * and values of the encoder output, and empty self-attention buffers for maxLength tokens.
     *
     * @param encoderHidden (N, S, d_model)
     * @param encoderKeep   (N, S) bool
     */
    T5KeyValueCache startDecoding(Tensor encoderHidden, Tensor encoderKeep, T5Config config, int maxLength) {
        int layers = blocks.size();
        Tensor[] selfKeys = new Tensor[layers];
        Tensor[] selfValues = new Tensor[layers];
        Tensor[] crossKeys = new Tensor[layers];
        Tensor[] crossValues = new Tensor[layers];
        long rows = encoderHidden.size(0);
        DType dtype = encoderHidden.dtype();
        for (int i = 0; i < layers; i++) {
            T5Attention cross = blocks.get(i).crossAttention();
            crossKeys[i] = cross.keys(encoderHidden); // (N, H, S, d_kv)
            crossValues[i] = cross.values(encoderHidden); // (N, H, S, d_kv)
            DType cacheType = crossKeys[i].dtype();
            selfKeys[i] = Tensor.zeros(cacheType, encoderHidden.device(), rows, config.numHeads(), maxLength, config.dKv());
            selfValues[i] = Tensor.zeros(cacheType, encoderHidden.device(), rows, config.numHeads(), maxLength, config.dKv());
        }
        Tensor crossBias = AttentionMasks.additive(encoderKeep, dtype); // (N, 1, 1, S)
        return new T5KeyValueCache(selfKeys, selfValues, crossKeys, crossValues, crossBias, maxLength);
    }

    /**
     * Decodes one token per row at position cache.length(), updating the cache.
     *
     * @param embeddings (N, 1, d_model)
     * @return (N, 1, d_model)
     */
    Tensor decodeStep(Tensor embeddings, T5KeyValueCache cache) {
        long position = cache.length();
        // Only this token's row of the bias: its distance to every earlier position (and itself).
        Tensor selfBias = blocks.get(0).selfAttention().positionBias(1, position + 1, position); // (1, H, 1, P+1)
        Tensor hidden = embeddings;
        for (int i = 0; i < blocks.size(); i++) {
            try (Scope scope = Scope.open()) {
                hidden = scope.keep(blocks.get(i).decodeStep(hidden, cache, i, selfBias));
            }
        }
        cache.advance();
        return finalLayerNorm.forward(hidden);
    }

    void collectParameters(Map<String, Tensor> out) {
        for (T5Block block : blocks) {
            block.collectParameters(out);
        }
        out.put(path + ".final_layer_norm.weight", finalLayerNorm.weight());
    }

    void collectLinearSlots(Map<String, LinearSlot> out) {
        for (T5Block block : blocks) {
            block.collectLinearSlots(out);
        }
    }

    boolean isDecoder() {
        return isDecoder;
    }

    @Override
    public void close() {
        for (T5Block block : blocks) {
            block.close();
        }
        finalLayerNorm.close();
    }
}
