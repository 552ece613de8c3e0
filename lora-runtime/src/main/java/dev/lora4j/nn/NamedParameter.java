package dev.lora4j.nn;

import dev.lora4j.tensor.Tensor;
import java.util.Objects;

/**
 * A parameter tensor and its name relative to the module that holds it ({@code "weight"},
 * {@code "bias"}, {@code "lora_A.weight"}...). A model prefixes the module's path to get the full
 * state-dict key ({@code encoder.block.0.layer.0.SelfAttention.q.weight}).
 */
public record NamedParameter(String name, Tensor tensor) {
    public NamedParameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensor, "tensor");
    }
}
