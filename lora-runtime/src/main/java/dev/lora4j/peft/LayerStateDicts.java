package dev.lora4j.peft;

import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the methods that wrap layers (LoRA, IA3, LN tuning, BitFit) share about their tensors: they are
 * the model's parameters that require grad, and PEFT saves them under {@code base_model.model.<name>}.
 */
public final class LayerStateDicts {
    /** PEFT's prefix of injected-layer keys in adapter_model.safetensors. */
    public static final String PEFT_PREFIX = "base_model.model.";

    private LayerStateDicts() {}

    /**
     * The model's parameters that require grad, by state-dict name, in the model's order.
     *
     * @param model the model with its method attached
     * @return a new map of the model's own tensors (the caller must not close them)
     */
    public static Map<String, Tensor> trainable(T5ForConditionalGeneration model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> {
            if (t.requiresGrad()) {
                out.put(name, t);
            }
        });
        return out;
    }

    /**
     * The same tensors under PEFT's file keys.
     *
     * @param tensors tensors by model state-dict name
     * @return a new map of the same tensors, each key prefixed with {@link #PEFT_PREFIX}
     */
    public static Map<String, Tensor> withPeftPrefix(Map<String, Tensor> tensors) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(PEFT_PREFIX + name, t));
        return out;
    }
}
