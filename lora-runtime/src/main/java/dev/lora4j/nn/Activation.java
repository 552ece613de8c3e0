package dev.lora4j.nn;

import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;

/** The feed-forward activations T5 checkpoints name, with transformers' ACT2FN names. */
public enum Activation {
    /** max(x, 0), transformers' "relu". */
    RELU("relu"),
    /** Exact GELU (erf), transformers' "gelu". */
    GELU("gelu"),
    /**
     * GELU with the tanh approximation, transformers' "gelu_new" (FLAN-T5 / T5 v1.1). transformers
     * spells the formula out in seven elementwise ops; here it is libtorch's fused kernel for the same
     * formula, which agrees to float rounding.
     */
    GELU_NEW("gelu_new"),
    /** x · sigmoid(x). */
    SILU("silu");

    private final String hfName;

    Activation(String hfName) {
        this.hfName = hfName;
    }

    /**
     * The name transformers' ACT2FN and T5 configs use for this activation.
     *
     * @return a name such as {@code "gelu_new"}
     */
    public String hfName() {
        return hfName;
    }

    /**
     * The activation a T5 config names (its {@code dense_act_fn}).
     *
     * @param name a transformers activation name: "relu", "gelu", "gelu_new" or "silu"
     * @return the matching activation
     * @throws Lora4jException if the name is not supported
     */
    public static Activation fromName(String name) {
        for (Activation a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new Lora4jException("activation", "unsupported activation \"" + name + "\"");
    }

    /**
     * Applies the activation elementwise.
     *
     * @param x the input, of any shape
     * @return a new tensor of the same shape
     */
    public Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> x.relu();
            case GELU -> x.gelu();
            case GELU_NEW -> x.geluTanh();
            case SILU -> x.mul(x.sigmoid());
        };
    }

    /**
     * act(x) · other, a gated feed-forward's product. For the GELUs one node that keeps x and other for
     * the backward instead of also act(x) ({@link Tensor#geluMul}); the same values and gradients.
     *
     * @param x     the gate's input
     * @param other the tensor the activation multiplies
     * @return a new tensor
     */
    public Tensor applyAndMultiply(Tensor x, Tensor other) {
        return switch (this) {
            case GELU -> x.geluMul(other, false);
            case GELU_NEW -> x.geluMul(other, true);
            case RELU, SILU -> apply(x).mul(other);
        };
    }
}
