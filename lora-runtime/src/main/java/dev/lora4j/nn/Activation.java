package dev.lora4j.nn;

import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;

/** The feed-forward activations T5 checkpoints name, with transformers' ACT2FN names. */
public enum Activation {
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

    public String hfName() {
        return hfName;
    }

    public static Activation fromName(String name) {
        for (Activation a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new Lora4jException("activation", "unsupported activation \"" + name + "\"");
    }

    /** Elementwise, same shape. */
    public Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> x.relu();
            case GELU -> x.gelu();
            case GELU_NEW -> x.geluTanh();
            case SILU -> x.mul(x.sigmoid());
        };
    }
}
