package dev.lora4j.peft.bitfit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.nn.Slot;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.LayerStateDicts;
import dev.lora4j.peft.ModulesToSave;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * BitFit attached to a T5 model as PEFT's BeftModel: the base is frozen and every linear layer that
 * target_modules matches is wrapped in a {@link BeftLinear} with a trainable bias. File keys are PEFT's:
 * {@code base_model.model.<path>.beft_bias}, shape (1, out).
 */
public final class BitFitModel implements Adapter {

    private final T5ForConditionalGeneration model;
    private final BitFitConfig config;
    private final Map<String, BeftLinear> layers;
    private final ModulesToSave saved;

    private BitFitModel(T5ForConditionalGeneration model, BitFitConfig config, Map<String, BeftLinear> layers) {
        this.model = model;
        this.config = config;
        this.layers = Collections.unmodifiableMap(layers);
        this.saved = ModulesToSave.mark(model, config.modulesToSave());
    }

    /**
     * Adds the biases; with init_weights false they are drawn from a generator seeded with seed.
     *
     * @param model  the model to modify in place: its parameters are frozen and target layers wrapped (if
     *               wrapping fails, it is left as it was)
     * @param config the BitFit settings
     * @param seed   the seed of the biases' random initialisation (used only with init_weights false)
     * @return the attached adapter
     * @throws Lora4jException if the targets match no linear layer, or a layer already carries a bias
     */
    public static BitFitModel wrap(T5ForConditionalGeneration model, BitFitConfig config, long seed) {
        return model.freezeThen(() -> attach(model, config, seed));
    }

    private static BitFitModel attach(T5ForConditionalGeneration model, BitFitConfig config, long seed) {
        Map<String, BeftLinear> layers = new LinkedHashMap<>();
        try (Generator gen = new Generator(seed, model.device())) {
            for (Map.Entry<String, Slot<LinearLayer>> e : model.slots(LinearLayer.class).entrySet()) {
                String path = e.getKey();
                if (!config.targetModules().matches(path) || ModulesToSave.covers(config.modulesToSave(), path)) {
                    continue;
                }
                LinearLayer base = e.getValue().get();
                if (base instanceof BeftLinear) {
                    undo(model, layers);
                    throw new Lora4jException("bitfit", "layer " + path + " already carries a BitFit bias; "
                            + "unload the previous adapter first");
                }
                BeftLinear layer = new BeftLinear(base, path, !config.initWeights(), gen);
                e.getValue().replace(layer);
                layers.put(path, layer);
            }
        }
        if (layers.isEmpty()) {
            throw new Lora4jException("bitfit", "field \"target_modules\" (" + config.targetModules()
                    + ") matched no linear layer (T5's are q, k, v, o, wi or wi_0/wi_1, wo)");
        }
        return new BitFitModel(model, config, layers);
    }

    private static void undo(T5ForConditionalGeneration model, Map<String, BeftLinear> layers) {
        layers.forEach((path, layer) -> {
            model.replaceLinear(path, layer.base());
            layer.releaseBias();
        });
    }

    /**
     * The layers with a bias, by module path.
     *
     * @return an unmodifiable map of the layers, owned by the model
     */
    public Map<String, BeftLinear> layers() {
        return layers;
    }

    @Override
    public BitFitConfig config() {
        return config;
    }

    @Override
    public T5ForConditionalGeneration model() {
        return model;
    }

    @Override
    public Map<String, Tensor> trainableParameters() {
        return LayerStateDicts.trainable(model);
    }

    @Override
    public Map<String, Tensor> stateDict() {
        return LayerStateDicts.withPeftPrefix(trainableParameters());
    }

    /**
     * BeftConfig's fields; a list of targets is written as the names of the layers that got a bias (q, k,
     * v, o, wi_0, wi_1, wo on a gated T5), as PEFT writes resolved defaults.
     */
    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        ObjectNode o = config.toJson().put("base_model_name_or_path", baseModelNameOrPath);
        if (config.targetModules().regex() == null) {
            ArrayNode a = o.putArray("target_modules");
            new TreeSet<>(layers.keySet().stream().map(p -> p.substring(p.lastIndexOf('.') + 1)).toList()).forEach(a::add);
        }
        return o;
    }

    @Override
    public void train(RandomKey key) {
        model.train(key);
    }

    @Override
    public void eval() {
        model.eval();
    }

    @Override
    public void setEnabled(boolean enabled) {
        layers.values().forEach(l -> l.setEnabled(enabled));
    }

    @Override
    public String mergeRefusal() {
        for (BeftLinear l : layers.values()) {
            String refusal = l.mergeRefusal();
            if (refusal != null) {
                return refusal;
            }
        }
        return null;
    }

    @Override
    public void merge() {
        String refusal = mergeRefusal();
        if (refusal != null) {
            throw new Lora4jException("merge", refusal);
        }
        layers.values().forEach(BeftLinear::merge);
    }

    @Override
    public void unmerge() {
        layers.values().forEach(BeftLinear::unmerge);
    }

    @Override
    public boolean isMerged() {
        return layers.values().iterator().next().isMerged();
    }

    @Override
    public void detach() {
        undo(model, layers);
        saved.release();
    }

    @Override
    public String describe() {
        return "BitFit: biases on " + layers.size() + " layers"
                + (config.modulesToSave().isEmpty() ? "" : ", also training " + String.join(", ", config.modulesToSave()));
    }
}
