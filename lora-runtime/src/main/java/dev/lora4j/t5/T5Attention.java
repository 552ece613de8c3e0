package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.Embedding;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.Module;
import dev.lora4j.nn.SharedInputLinears;
import dev.lora4j.nn.Slot;
import dev.lora4j.tensor.Functional;
import dev.lora4j.tensor.Tensor;
import java.util.List;

/**
 * T5 multi-head attention (self-attention, or cross-attention over the encoder's output). Unlike
 * the original Transformer, T5 does not scale q·kᵀ by 1/√d_kv (the scale is folded into the weight
 * initialisation), and instead of position embeddings it adds a learned bias per (head, relative
 * position bucket) to the scores. Only the first block of each stack owns that bias table; the other
 * blocks reuse the bias the first one computed, which the stack passes in with the masks already
 * applied ({@code scoreBias}).
 *
 * <p>Projections: q, k, v map d_model → heads·d_kv, o maps back; none has a bias.
 */
final class T5Attention extends Module {
    private final Slot<LinearLayer> q;
    private final Slot<LinearLayer> k;
    private final Slot<LinearLayer> v;
    private final Slot<LinearLayer> o;
    private final Slot<Embedding> relativeAttentionBias; // (num_buckets, heads), or null
    private final int numHeads;
    private final int dKv;
    private final boolean bidirectional;
    private final int numBuckets;
    private final int maxDistance;

    T5Attention(String path, T5Config config, T5Weights weights, boolean hasRelativeBias, boolean bidirectional) {
        this.numHeads = config.numHeads();
        this.dKv = config.dKv();
        this.bidirectional = bidirectional;
        this.numBuckets = config.relativeAttentionNumBuckets();
        this.maxDistance = config.relativeAttentionMaxDistance();
        long dModel = config.dModel();
        long inner = config.innerDim();
        double factor = config.initializerFactor();
        // Initial standard deviations as transformers' _init_weights for T5Attention.
        this.q = registerChild("q", LinearLayer.class, weights.linear(path + ".q", inner, dModel,
                factor * Math.pow((double) dModel * dKv, -0.5)));
        this.k = registerChild("k", LinearLayer.class, weights.linear(path + ".k", inner, dModel, factor * Math.pow(dModel, -0.5)));
        this.v = registerChild("v", LinearLayer.class, weights.linear(path + ".v", inner, dModel, factor * Math.pow(dModel, -0.5)));
        this.o = registerChild("o", LinearLayer.class, weights.linear(path + ".o", dModel, inner, factor * Math.pow(inner, -0.5)));
        this.relativeAttentionBias = hasRelativeBias
                ? registerChild("relative_attention_bias", Embedding.class, new Embedding(weights.normal(
                        path + ".relative_attention_bias.weight", new long[] {numBuckets, numHeads},
                        factor * Math.pow(dModel, -0.5), false)))
                : null;
    }

    boolean hasRelativeBias() {
        return relativeAttentionBias != null;
    }

    /**
     * The learned bias for queries at positions queryOffset.. (queryLength of them) against keys
     * 0..keyLength-1: (1, heads, Tq, Tk) in the table's dtype. Only the stack's first block has a table.
     */
    Tensor positionBias(long queryLength, long keyLength, long queryOffset) {
        Tensor buckets = RelativePositionBuckets.forPositions(queryLength, keyLength, queryOffset, bidirectional,
                numBuckets, maxDistance, relativeAttentionBias.get().weight().device()); // (Tq, Tk)
        Tensor values = relativeAttentionBias.get().forward(buckets); // (Tq, Tk, H)
        return values.permute(2, 0, 1).unsqueeze(0); // (1, H, Tq, Tk)
    }

    int numHeads() {
        return numHeads;
    }

    int dKv() {
        return dKv;
    }

    /**
     * Self-attention's queries, keys and values of one input x (B, T, d_model), each (B, H, T, d_kv).
     * The three projections read the same x, so layers that can run together (LoRA adapters, as one
     * grouped native call) do.
     */
    Tensor[] queriesKeysValues(Tensor x) {
        return queriesKeysValues(x, null);
    }

    /**
     * As {@link #queriesKeysValues(Tensor)} for an input packed by {@code rows} (1, N, d_model): the
     * projections run on the N kept rows, and their results are laid out padded again for the attention.
     */
    Tensor[] queriesKeysValues(Tensor x, PackedRows rows) {
        List<Tensor> qkv = SharedInputLinears.forward(List.of(q.get(), k.get(), v.get()), x);
        return new Tensor[] {heads(rows, qkv.get(0)), heads(rows, qkv.get(1)), heads(rows, qkv.get(2))};
    }

    /** Cross-attention's keys and values of the encoder output (B, S, d_model), each (B, H, S, d_kv). */
    Tensor[] keysValues(Tensor x) {
        return keysValues(x, null);
    }

    /** As {@link #keysValues(Tensor)} for an encoder output packed by {@code rows} (1, N, d_model). */
    Tensor[] keysValues(Tensor x, PackedRows rows) {
        List<Tensor> kv = SharedInputLinears.forward(List.of(k.get(), v.get()), x);
        return new Tensor[] {heads(rows, kv.get(0)), heads(rows, kv.get(1))};
    }

    /** x (B, T, d_model) → keys (B, H, T, d_kv). */
    Tensor keys(Tensor x) {
        return splitHeads(k.get().forward(x));
    }

    /** x (B, T, d_model) → values (B, H, T, d_kv). */
    Tensor values(Tensor x) {
        return splitHeads(v.get().forward(x));
    }

    /**
     * Attention of x's queries over the given keys and values.
     *
     * @param x         (B, Tq, d_model)
     * @param keys      (B, H, Tk, d_kv)
     * @param values    (B, H, Tk, d_kv)
     * @param scoreBias added to the scores: position bias with masked positions at the dtype's lowest
     *                  value, broadcastable to (B, H, Tq, Tk)
     * @param dropout   dropout on the attention probabilities (transformers' attention dropout)
     * @return (B, Tq, d_model)
     */
    Tensor attend(Tensor x, Tensor keys, Tensor values, Tensor scoreBias, Dropout dropout) {
        return attend(x, null, keys, values, scoreBias, dropout);
    }

    /** As {@link #attend(Tensor, Tensor, Tensor, Tensor, Dropout)} for queries packed by {@code rows}: x and the result (1, N, d_model). */
    Tensor attend(Tensor x, PackedRows rows, Tensor keys, Tensor values, Tensor scoreBias, Dropout dropout) {
        return attendWith(heads(rows, q.get().forward(x)), rows, keys, values, scoreBias, dropout);
    }

    /** As {@link #attend}, with the queries (B, H, Tq, d_kv) already projected. */
    Tensor attendWith(Tensor queries, Tensor keys, Tensor values, Tensor scoreBias, Dropout dropout) {
        return attendWith(queries, null, keys, values, scoreBias, dropout);
    }

    /**
     * As {@link #attendWith(Tensor, Tensor, Tensor, Tensor, Dropout)}; with {@code rows} the padded
     * context is packed before the output projection, which then runs on the kept rows only, and the
     * result is (1, N, d_model).
     */
    Tensor attendWith(Tensor queries, PackedRows rows, Tensor keys, Tensor values, Tensor scoreBias, Dropout dropout) {
        long batch = queries.size(0);
        long queryLength = queries.size(2);
        Tensor context; // (B, H, Tq, d_kv)
        if (dropout.active()) {
            // Not SDPA, so that the probabilities' dropout mask comes from the model's seeded generator (SDPA's
            // fused dropout draws from libtorch's global one); scores unscaled, probabilities (B, H, Tq, Tk).
            context = dropout.attention(queries, keys, values, scoreBias);
        } else {
            context = Functional.scaledDotProductAttention(queries, keys, values, scoreBias, 0.0, false, 1.0);
        }
        // (B, Tq, H*d_kv): a view, no copy, where the context comes laid out (B, Tq, H, d_kv) as the seeded node returns it
        Tensor merged = context.transpose(1, 2).reshape(batch, queryLength, (long) numHeads * dKv);
        return o.get().forward(PackedRows.pack(rows, merged)); // (B, Tq, d_model), or (1, N, d_model) packed
    }

    /** A projection (B, T, H*d_kv), or (1, N, H*d_kv) packed by rows → (B, H, T, d_kv). */
    private Tensor heads(PackedRows rows, Tensor projected) {
        return splitHeads(PackedRows.spread(rows, projected));
    }

    /** (B, T, H*d_kv) → (B, H, T, d_kv). */
    private Tensor splitHeads(Tensor projected) {
        return projected.view(projected.size(0), projected.size(1), numHeads, dKv).transpose(1, 2);
    }

}
