package dev.lora4j.tensor;

import dev.lora4j.bindings.lora4j_h;

import java.lang.foreign.MemorySegment;

/** Neural-network ops on tensors: embedding lookup, dropout, cross entropy, attention. */
public final class Functional {
    private Functional() {}

    /**
     * Rows of an embedding table picked by integer indices.
     *
     * @param weight the table (num_embeddings, dim)
     * @param indices int64 (or int32) indices of any shape, each in [0, num_embeddings)
     * @return a new tensor of shape indices.shape + (dim)
     */
    public static Tensor embedding(Tensor weight, Tensor indices) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_embedding(weight.handle(), indices.handle(), out));
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability p (drawn from gen, or the default
     * generator when null) and scales the rest by 1/(1-p); otherwise returns x unchanged.
     *
     * @param x the input
     * @param p the probability of zeroing an element, in [0, 1]
     * @param training whether to apply dropout at all
     * @param gen the generator for the mask, or null for libtorch's default generator
     * @return a new tensor shaped like {@code x}
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_dropout(x.handle(), p, training ? 1 : 0,
                Generator.handleOrNull(gen), out));
    }

    /**
     * Attention with dropout on its probabilities, {@code dropout(softmax(q·kᵀ + bias), p, training, gen)·v},
     * the mask from the same draw as {@link #dropout} makes from the same generator state. On the CPU in
     * training it is one autograd node that keeps q, k, v and bias but neither the probabilities nor the
     * mask, a (B, H, Tq, Tk) tensor each per layer: backward recomputes the probabilities and redraws the
     * mask. The scores are not scaled (T5's attention; scale q first for 1/sqrt(d)).
     *
     * @param q the queries (..., Tq, E)
     * @param k the keys (..., Tk, E)
     * @param v the values (..., Tk, Ev)
     * @param bias added to the scores, broadcastable to (..., Tq, Tk) (position bias, masks), or null
     * @param p the probability of zeroing a probability, in [0, 1]
     * @param training whether to apply dropout at all
     * @param gen the generator for the mask, or null for libtorch's default generator
     * @return a new tensor (..., Tq, Ev)
     */
    public static Tensor dropoutAttention(Tensor q, Tensor k, Tensor v, Tensor bias, double p, boolean training, Generator gen) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_dropout_attention(q.handle(), k.handle(), v.handle(),
                bias == null ? MemorySegment.NULL : bias.handle(), p, training ? 1 : 0, Generator.handleOrNull(gen), out));
    }

    /**
     * A multi-layer LSTM over x (B, T, in), batch first, from a zero state, as torch.nn.LSTM: params in its
     * order, per layer then direction: w_ih (4h, in_l), w_hh (4h, h), b_ih (4h), b_hh (4h); dropout p between
     * layers in training. Returns (B, T, dirs · h); differentiable in x and every parameter.
     *
     * @param x the input sequences (B, T, in)
     * @param params the weights and biases in torch.nn.LSTM's order, four per layer and direction
     * @param numLayers how many stacked layers
     * @param bidirectional whether each layer also runs backwards in time (dirs = 2)
     * @param dropout the dropout probability applied to each layer's output except the last
     * @param training whether dropout is applied
     * @return a new tensor (B, T, dirs · h) holding the last layer's outputs at every step
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
     * Cross entropy of logits (N, C) against int64 targets (N); targets equal to ignoreIndex (-100 in Hugging
     * Face's convention) contribute nothing, and the mean is over the others.
     *
     * @param logits the unnormalised scores (N, C)
     * @param target the int64 class indices (N), each in [0, C) or equal to {@code ignoreIndex}
     * @param ignoreIndex the target value that marks positions to skip
     * @param reduction how the per-position losses are combined
     * @param labelSmoothing the share of probability mass spread evenly over all classes, in [0, 1]; 0 for
     *     none
     * @return a new tensor: 0-dim for MEAN and SUM, (N) for NONE
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex, Reduction reduction,
                                      double labelSmoothing) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_cross_entropy(logits.handle(), target.handle(),
                ignoreIndex, reduction.code, labelSmoothing, out));
    }

    /**
     * Mean cross entropy of logits (N, C) against int64 targets (N), skipping targets of -100, without label
     * smoothing.
     *
     * @param logits the unnormalised scores (N, C)
     * @param target the int64 class indices (N), each in [0, C) or -100 to skip
     * @return a new 0-dim tensor
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, -100, Reduction.MEAN, 0.0);
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v over (..., L, E) inputs. mask may be null, boolean (true = attend) or
     * floating (added to the scores); scale NaN means 1/√E. T5 passes scale 1.0.
     *
     * @param q the queries (..., L, E)
     * @param k the keys (..., S, E)
     * @param v the values (..., S, Ev)
     * @param mask a mask broadcastable to (..., L, S), or null for none
     * @param dropoutP the dropout probability on the attention weights; 0 outside training
     * @param causal whether each query may attend only to keys at or before its position
     * @param scale the factor on the scores, or NaN for 1/√E
     * @return a new tensor (..., L, Ev)
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP,
                                                   boolean causal, double scale) {
        return Tensor.call((f, out) -> lora4j_h.l4j_tensor_scaled_dot_product_attention(q.handle(), k.handle(),
                v.handle(), mask == null ? MemorySegment.NULL : mask.handle(), dropoutP, causal ? 1 : 0, scale, out));
    }
}
