package dev.lora4j.peft.lora;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.nn.Slot;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.LayerStateDicts;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Generator;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * LoRA attached to a T5 model, as PEFT's LoraModel: the base is frozen, every linear layer that
 * config.targetModules() matches is wrapped in a {@link LoraLinear}, biases and modules_to_save become
 * trainable as config says. Adapter file keys are PEFT's ({@code base_model.model.<path>.lora_A.weight}, and
 * with DoRA {@code base_model.model.<path>.lora_magnitude_vector}).
 *
 * <p>It does not own the model: closing the model frees the adapters too (they are its layers now).
 */
public final class LoraModel implements Adapter {
    /** PEFT's prefix of adapter keys in adapter_model.safetensors. */
    public static final String PEFT_PREFIX = LayerStateDicts.PEFT_PREFIX;

    private final T5ForConditionalGeneration model;
    private final LoraConfig config;
    private final Map<String, LoraLinear> adapters;
    private final List<Tensor> madeTrainable;

    private LoraModel(T5ForConditionalGeneration model, LoraConfig config, Map<String, LoraLinear> adapters) {
        this.model = model;
        this.config = config;
        this.adapters = Collections.unmodifiableMap(adapters);
        this.madeTrainable = markTrainableExtras();
    }

    /**
     * Adds adapters to model; random initialisation draws from a generator seeded with seed, in the
     * model's module order.
     *
     * @param model  the model to modify in place: its parameters are frozen and target layers wrapped (if
     *               wrapping fails, it is left as it was)
     * @param config the LoRA settings, targets included
     * @param seed   the seed of the adapters' random initialisation
     * @return the attached adapter
     * @throws Lora4jException if the targets match no layer, or a layer is already wrapped by LoRA
     */
    public static LoraModel wrap(T5ForConditionalGeneration model, LoraConfig config, long seed) {
        return model.freezeThen(() -> attach(model, config, seed));
    }

    private static LoraModel attach(T5ForConditionalGeneration model, LoraConfig config, long seed) {
        Map<String, LoraLinear> adapters = new LinkedHashMap<>();
        try (Generator gen = new Generator(seed, model.device())) {
            for (Map.Entry<String, Slot<LinearLayer>> e : model.slots(LinearLayer.class).entrySet()) {
                String path = e.getKey();
                boolean outputLayer = path.equals(T5ForConditionalGeneration.LM_HEAD);
                if (!config.targetModules().matches(path, outputLayer)) {
                    continue;
                }
                LinearLayer base = e.getValue().get();
                if (base instanceof LoraLinear) {
                    undo(model, adapters);
                    throw new Lora4jException("lora", "layer " + path + " already carries a LoRA adapter; "
                            + "unload the previous adapter first");
                }
                LoraLinear lora;
                try {
                    lora = new LoraLinear(base, path, config, gen);
                } catch (RuntimeException ex) {
                    undo(model, adapters); // leave the model as it was
                    throw ex;
                }
                e.getValue().replace(lora);
                adapters.put(path, lora);
            }
        }
        if (adapters.isEmpty()) {
            throw new Lora4jException("lora", "target modules " + config.targetModules()
                    + " matched no linear layer (paths look like encoder.block.0.layer.0.SelfAttention.q)");
        }
        return new LoraModel(model, config, adapters);
    }

    private static void undo(T5ForConditionalGeneration model, Map<String, LoraLinear> adapters) {
        adapters.forEach((path, lora) -> {
            model.replaceLinear(path, lora.base());
            lora.releaseAdapter();
        });
    }

    /** Marks biases and modules_to_save trainable as the config says; returns what it changed. */
    private List<Tensor> markTrainableExtras() {
        List<Tensor> changed = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            if (name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight")
                    || name.endsWith("." + LoraLinear.MAGNITUDE)) {
                continue;
            }
            boolean bias = name.endsWith(".bias");
            boolean adaptedBias = bias && adapters.containsKey(name.substring(0, name.length() - ".bias".length()));
            boolean trainable = (bias && config.bias() == LoraConfig.Bias.ALL)
                    || (adaptedBias && config.bias() == LoraConfig.Bias.LORA_ONLY)
                    || config.modulesToSave().stream().anyMatch(m -> name.startsWith(m + ".") || name.contains("." + m + "."));
            if (trainable && !e.getValue().requiresGrad()) {
                e.getValue().requiresGrad(true);
                changed.add(e.getValue());
            }
        }
        return changed;
    }

    @Override
    public T5ForConditionalGeneration model() {
        return model;
    }

    @Override
    public LoraConfig config() {
        return config;
    }

    /**
     * The adapted layers by module path, in the model's parameter order.
     *
     * @return an unmodifiable map of the layers, owned by the model
     */
    public Map<String, LoraLinear> adapters() {
        return adapters;
    }

    @Override
    public Map<String, Tensor> trainableParameters() {
        return LayerStateDicts.trainable(model);
    }

    @Override
    public void train(RandomKey key) {
        model.train(key);
        adapters.values().forEach(a -> a.train(key));
    }

    @Override
    public void eval() {
        model.eval();
        adapters.values().forEach(LoraLinear::eval);
    }

    @Override
    public void setEnabled(boolean enabled) {
        adapters.values().forEach(a -> a.setEnabled(enabled));
    }

    @Override
    public String mergeRefusal() {
        for (LoraLinear a : adapters.values()) {
            String refusal = a.mergeRefusal();
            if (refusal != null) {
                return refusal;
            }
        }
        return null;
    }

    @Override
    public void merge() {
        adapters.values().forEach(LoraLinear::merge);
    }

    @Override
    public void unmerge() {
        adapters.values().forEach(LoraLinear::unmerge);
    }

    @Override
    public boolean isMerged() {
        return adapters.values().iterator().next().isMerged();
    }

    /**
     * Puts every base layer back and frees the adapters. A merged adapter stays folded into the
     * weights (merge-and-unload); biases and modules_to_save made trainable are frozen again.
     */
    @Override
    public void detach() {
        undo(model, adapters);
        madeTrainable.forEach(t -> t.requiresGrad(false));
    }

    /**
     * The adapter's tensors under PEFT's file keys ({@code base_model.model.<path>.lora_A.weight}), plus
     * trainable biases and modules_to_save parameters under {@code base_model.model.<name>}.
     */
    @Override
    public Map<String, Tensor> stateDict() {
        return LayerStateDicts.withPeftPrefix(trainableParameters());
    }

    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        ObjectNode o = config.toJson();
        o.put("base_model_name_or_path", baseModelNameOrPath);
        if (config.targetModules() instanceof LoraConfig.TargetModules.AllLinear) {
            // As PEFT writes after resolving "all-linear": the names of the modules it adapted.
            ArrayNode a = o.putArray("target_modules");
            Set<String> suffixes = new TreeSet<>();
            adapters.keySet().forEach(p -> suffixes.add(p.substring(p.lastIndexOf('.') + 1)));
            suffixes.forEach(a::add);
        }
        return o;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s r=%d, alpha=%s, dropout=%s, %d adapted layers", config.useDora() ? "DoRA" : "LoRA",
                config.r(), fmt(config.loraAlpha()), fmt(config.loraDropout()), adapters.size());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * (trainable, total) parameter counts, as PEFT's print_trainable_parameters.
     *
     * @return the counts over the model's parameters, adapters included
     */
    public ParameterCounts parameterCounts() {
        return ParameterCounts.of(model.namedParameters().values());
    }
}
