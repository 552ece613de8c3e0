package dev.lora4j.nn;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/** y = x·Wᵀ + b, with W of shape (out, in) as in PyTorch's nn.Linear; the bias is optional. */
public final class Linear implements LinearLayer {
    private final Tensor weight; // (out, in)
    private final Tensor bias; // (out) or null

    /** Takes ownership of weight (out, in) and bias (out), which may be null. */
    public Linear(Tensor weight, Tensor bias) {
        long[] w = weight.shape();
        if (w.length != 2) {
            throw new Lora4jException("linear", "weight must be (out, in), got " + Arrays.toString(w));
        }
        if (bias != null && !Arrays.equals(bias.shape(), new long[] {w[0]})) {
            throw new Lora4jException("linear", "bias must be (" + w[0] + "), got " + Arrays.toString(bias.shape()));
        }
        this.weight = weight;
        this.bias = bias;
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. */
    public Tensor bias() {
        return bias;
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

    @Override
    public List<NamedParameter> parameters() {
        return bias == null
                ? List.of(new NamedParameter("weight", weight))
                : List.of(new NamedParameter("weight", weight), new NamedParameter("bias", bias));
    }

    @Override
    public void close() {
        weight.close();
        if (bias != null) {
            bias.close();
        }
    }
}
