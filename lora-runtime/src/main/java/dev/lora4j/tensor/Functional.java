package dev.lora4j.tensor;

import dev.lora4j.bindings.lora4j_h;

import java.lang.foreign.MemorySegment;

/** Neural-network ops on tensors: embedding lookup, dropout, cross entropy, attention. */
public final class Functional {
    private Functional() {}

    /** Rows of weight (num_embeddings, dim) picked by integer indices of any shape. */
    public static Tensor embedding(Tensor weight, Tensor indices) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_embedding(weight.handle(), indices.handle(), out));
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability p (drawn from gen, or the
     * default generator when null) and scales the rest by 1/(1-p); otherwise returns x unchanged.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_dropout(x.handle(), p, training ? 1 : 0,
                Generator.handleOrNull(gen), out));
    }

    /**
     * A multi-layer LSTM over x (B, T, in), batch first, from a zero state, as torch.nn.LSTM: params in its
     * order, per layer then direction: w_ih (4h, in_l), w_hh (4h, h), b_ih (4h), b_hh (4h); dropout p
     * between layers in training. Returns (B, T, dirs · h); differentiable in x and every parameter.
     */
    public static Tensor lstm(Tensor x, java.util.List<Tensor> params, int numLayers, boolean bidirectional, double dropout,
                              boolean training) {
        Tensor[] array = params.toArray(Tensor[]::new);
        return Tensor.call((f, out) -> lora4j_h.l4j_lstm(x.handle(), f.handles(array), array.length, numLayers,
                bidirectional ? 1 : 0, dropout, training ? 1 : 0, out));
    }

    /** How a loss combines its per-element values, as PyTorch's {@code reduction} argument. */
    public enum Reduction {
        /** One value per element. */
        NONE(0),
        /** Their mean. */
        MEAN(1),
        /** Their sum. */
        SUM(2);

        final int code;

        Reduction(int code) {
            this.code = code;
        }
    }

    /**
     * Cross entropy of logits (N, C) against int64 targets (N); targets equal to ignoreIndex (-100 in
     * Hugging Face's convention) contribute nothing, and the mean is over the others.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex, Reduction reduction,
                                      double labelSmoothing) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_cross_entropy(logits.handle(), target.handle(),
                ignoreIndex, reduction.code, labelSmoothing, out));
    }

    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, -100, Reduction.MEAN, 0.0);
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v over (..., L, E) inputs. mask may be null, boolean (true = attend)
     * or floating (added to the scores); scale NaN means 1/√E. T5 passes scale 1.0.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP,
                                                   boolean causal, double scale) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_scaled_dot_product_attention(q.handle(), k.handle(),
                v.handle(), mask == null ? MemorySegment.NULL : mask.handle(), dropoutP, causal ? 1 : 0, scale, out));
    }
}
