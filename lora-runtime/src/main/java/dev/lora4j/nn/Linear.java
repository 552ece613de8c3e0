package dev.lora4j.nn;

import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;

/** y = x·Wᵀ + b, with W of shape (out, in) as in PyTorch's nn.Linear; the bias is optional. */
public final class Linear extends LinearLayer {
    private final Tensor weight; // (out, in)
    private Tensor bias; // (out) or null

    /**
     * Takes ownership of weight (out, in) and bias (out), which may be null.
     *
     * @param weight the weight (out, in), registered as parameter {@code weight}
     * @param bias the bias (out), registered as parameter {@code bias}, or null for none
     * @throws Lora4jException if the weight is not two-dimensional or the bias does not have size out
     */
    public Linear(Tensor weight, Tensor bias) {
        long[] w = weight.shape();
        if (w.length != 2) {
            throw new Lora4jException("linear", "weight must be (out, in), got " + Arrays.toString(w));
        }
        this.weight = registerParameter("weight", weight);
        if (bias != null) {
            addBias(bias);
        }
    }

    /**
     * The weight matrix.
     *
     * @return the weight (out, in), still owned by this layer
     */
    public Tensor weight() {
        return weight;
    }

    /**
     * The bias, or null when the layer has none.
     *
     * @return the bias (out), still owned by this layer, or null
     */
    public Tensor bias() {
        return bias;
    }

    /**
     * Gives a bias-free layer a bias (out), which it then owns: how BitFit adds trainable biases to T5's
     * bias-free projections. The state-dict key is {@code <path>.bias}.
     *
     * @param bias the bias (out); closed with this layer
     * @throws Lora4jException if the layer already has a bias or the shape is not (out)
     */
    public void addBias(Tensor bias) {
        if (this.bias != null) {
            throw new Lora4jException("linear", "the layer already has a bias");
        }
        if (!Arrays.equals(bias.shape(), new long[] {weight.size(0)})) {
            throw new Lora4jException("linear", "bias must be (" + weight.size(0) + "), got " + Arrays.toString(bias.shape()));
        }
        this.bias = registerParameter("bias", bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.linear(weight, bias); // (..., in) -> (..., out)
    }

    @Override
    public long inFeatures() {
        return weight.size(1);
    }

    @Override
    public long outFeatures() {
        return weight.size(0);
    }

    @Override
    public DType computeDType() {
        return weight.dtype();
    }
}
