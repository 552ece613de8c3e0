package dev.lora4j.peft;

import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.NamedParameter;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Lora4jException;
import dev.lora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA applied to a T5 model, as PEFT's get_peft_model: the base is frozen, every linear layer that
 * config.targetModules() matches is wrapped in a {@link LoraLinear}, biases and modules_to_save become
 * trainable as config says. The wrapped model is used as before; this object adds the adapter's view:
 * trainable parameters, train/eval, enable/disable, merge/unmerge, and PEFT's adapter key names.
 *
 * <p>It does not own the model: closing the model frees the adapters too (they are its layers now).
 */
public final class LoraModel {
    /** PEFT's prefix of adapter keys in adapter_model.safetensors. */
    public static final String PEFT_PREFIX = "base_model.model.";

    private final T5ForConditionalGeneration model;
    private final LoraConfig config;
    private final Map<String, LoraLinear> adapters;

    private LoraModel(T5ForConditionalGeneration model, LoraConfig config, Map<String, LoraLinear> adapters) {
        this.model = model;
        this.config = config;
        this.adapters = Collections.unmodifiableMap(adapters);
    }

    /**
     * Adds adapters to model. Random initialisation and dropout masks derive from seed.
     *
     * @throws Lora4jException if the targets match no layer, or a layer is already wrapped
     */
    public static LoraModel wrap(T5ForConditionalGeneration model, LoraConfig config, long seed) {
        model.requiresGrad(false);
        Map<String, LoraLinear> adapters = new LinkedHashMap<>();
        try (Generator gen = new Generator(seed, model.device())) {
            int index = 0;
            for (Map.Entry<String, LinearLayer> e : model.linearLayers().entrySet()) {
                String path = e.getKey();
                if (!config.targetModules().matches(path, false)) {
                    continue;
                }
                if (!(e.getValue() instanceof Linear base)) {
                    throw new Lora4jException("lora", "layer " + path + " is already wrapped ("
                            + e.getValue().getClass().getSimpleName() + "); unload the previous adapter first");
                }
                // Each layer draws dropout masks from its own Philox key, so layers never share a mask.
                long layerSeed = seed * 0x9E3779B97F4A7C15L + ++index;
                LoraLinear lora = new LoraLinear(base, config, gen, layerSeed);
                model.replaceLinear(path, lora);
                adapters.put(path, lora);
            }
        }
        if (adapters.isEmpty()) {
            throw new Lora4jException("lora", "target modules " + config.targetModules()
                    + " matched no linear layer (paths look like encoder.block.0.layer.0.SelfAttention.q)");
        }
        LoraModel lora = new LoraModel(model, config, adapters);
        lora.markTrainableExtras();
        return lora;
    }

    private void markTrainableExtras() {
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            boolean bias = name.endsWith(".bias");
            boolean adaptedBias = bias && adapters.containsKey(name.substring(0, name.length() - ".bias".length()));
            boolean trainable = (bias && config.bias() == LoraConfig.Bias.ALL)
                    || (adaptedBias && config.bias() == LoraConfig.Bias.LORA_ONLY)
                    || config.modulesToSave().stream().anyMatch(m -> name.startsWith(m + ".") || name.contains("." + m + "."));
            if (trainable) {
                e.getValue().requiresGrad(true);
            }
        }
    }

    public T5ForConditionalGeneration model() {
        return model;
    }

    public LoraConfig config() {
        return config;
    }

    /** The adapted layers by module path, in the model's parameter order. */
    public Map<String, LoraLinear> adapters() {
        return adapters;
    }

    /** Parameters the optimizer updates, by their model state-dict name. */
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> {
            if (t.requiresGrad()) {
                out.put(name, t);
            }
        });
        return out;
    }

    /** (trainable, total) parameter counts, as PEFT's print_trainable_parameters. */
    public long[] parameterCounts() {
        long trainable = 0;
        long total = 0;
        for (Tensor t : model.namedParameters().values()) {
            long n = t.numel();
            total += n;
            if (t.requiresGrad()) {
                trainable += n;
            }
        }
        return new long[] {trainable, total};
    }

    /** Training mode for the model (its dropout from gen) and the adapters' dropout. */
    public void train(Generator gen) {
        model.train(gen);
        adapters.values().forEach(a -> a.setTraining(true));
    }

    public void eval() {
        model.eval();
        adapters.values().forEach(a -> a.setTraining(false));
    }

    /** Turns every adapter off (base model only) or on again. */
    public void setAdaptersEnabled(boolean enabled) {
        adapters.values().forEach(a -> a.setEnabled(enabled));
    }

    public void merge() {
        adapters.values().forEach(LoraLinear::merge);
    }

    public void unmerge() {
        adapters.values().forEach(LoraLinear::unmerge);
    }

    /**
     * PEFT's merge_and_unload: folds every adapter into its base weight and puts the plain layer back,
     * freeing the adapter. This object must not be used afterwards.
     */
    public T5ForConditionalGeneration mergeAndUnload() {
        for (Map.Entry<String, LoraLinear> e : adapters.entrySet()) {
            LoraLinear lora = e.getValue();
            if (!lora.isMerged()) {
                lora.merge();
            }
            model.replaceLinear(e.getKey(), lora.base());
            lora.loraA().close();
            lora.loraB().close();
        }
        return model;
    }

    /**
     * PEFT's unload: puts every plain layer back without merging and frees the adapters, leaving the
     * model as it was before {@link #wrap} (still frozen). This object must not be used afterwards.
     */
    public T5ForConditionalGeneration unload() {
        for (Map.Entry<String, LoraLinear> e : adapters.entrySet()) {
            LoraLinear lora = e.getValue();
            if (lora.isMerged()) {
                lora.unmerge();
            }
            model.replaceLinear(e.getKey(), lora.base());
            lora.loraA().close();
            lora.loraB().close();
        }
        return model;
    }

    /**
     * The adapter's tensors under PEFT's file keys ({@code base_model.model.<path>.lora_A.weight}), plus
     * trainable biases and modules_to_save parameters under {@code base_model.model.<name>}.
     */
    public Map<String, Tensor> adapterStateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraLinear> e : adapters.entrySet()) {
            for (NamedParameter p : e.getValue().adapterParameters()) {
                out.put(PEFT_PREFIX + e.getKey() + "." + p.name(), p.tensor());
            }
        }
        for (Map.Entry<String, Tensor> e : trainableParameters().entrySet()) {
            String name = e.getKey();
            if (!name.contains(".lora_A.") && !name.contains(".lora_B.")) {
                out.put(PEFT_PREFIX + name, e.getValue());
            }
        }
        return out;
    }

    /** The layers' dropout positions, for checkpoints. */
    public List<Long> dropoutOffsets() {
        List<Long> out = new ArrayList<>();
        adapters.values().forEach(a -> out.add(a.dropoutOffset()));
        return out;
    }

    public void setDropoutOffsets(List<Long> offsets) {
        if (offsets.size() != adapters.size()) {
            throw new Lora4jException("lora", offsets.size() + " dropout offsets for " + adapters.size() + " adapters");
        }
        int i = 0;
        for (LoraLinear a : adapters.values()) {
            a.setDropoutOffset(offsets.get(i++));
        }
    }
}
