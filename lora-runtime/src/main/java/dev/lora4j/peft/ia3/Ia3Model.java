package dev.lora4j.peft.ia3;

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

/**
 * (IA)³ attached to a T5 model, as PEFT's IA3Model: the base is frozen and every linear layer that
 * target_modules matches (and exclude_modules and modules_to_save do not) is wrapped in an
 * {@link Ia3Linear}, scaling its input when feedforward_modules matches it, its output otherwise. File
 * keys are PEFT's: {@code base_model.model.<path>.ia3_l}.
 */
public final class Ia3Model implements Adapter {

    private final T5ForConditionalGeneration model;
    private final Ia3Config config;
    private final Map<String, Ia3Linear> layers;
    private final ModulesToSave saved;

    private Ia3Model(T5ForConditionalGeneration model, Ia3Config config, Map<String, Ia3Linear> layers) {
        this.model = model;
        this.config = config;
        this.layers = Collections.unmodifiableMap(layers);
        this.saved = ModulesToSave.mark(model, config.modulesToSave());
    }

    /**
     * Adds the vectors to model; with init_ia3_weights false they are drawn from a generator seeded with
     * seed, in the model's module order.
     *
     * @param model  the model to modify in place: its parameters are frozen and target layers wrapped (if
     *               wrapping fails, it is left as it was)
     * @param config the (IA)³ settings
     * @param seed   the seed of the vectors' random initialisation (used only with init_ia3_weights false)
     * @return the attached adapter
     * @throws Lora4jException if the targets match no linear layer, or a layer already carries a vector
     */
    public static Ia3Model wrap(T5ForConditionalGeneration model, Ia3Config config, long seed) {
        return model.freezeThen(() -> attach(model, config, seed));
    }

    private static Ia3Model attach(T5ForConditionalGeneration model, Ia3Config config, long seed) {
        Map<String, Ia3Linear> layers = new LinkedHashMap<>();
        try (Generator gen = new Generator(seed, model.device())) {
            for (Map.Entry<String, Slot<LinearLayer>> e : model.slots(LinearLayer.class).entrySet()) {
                String path = e.getKey();
                if (!config.targetModules().matches(path)
                        || (config.excludeModules() != null && config.excludeModules().matches(path))
                        || ModulesToSave.covers(config.modulesToSave(), path)) {
                    continue;
                }
                LinearLayer base = e.getValue().get();
                if (base instanceof Ia3Linear) {
                    undo(model, layers);
                    throw new Lora4jException("ia3", "layer " + path + " already carries an (IA)³ vector; "
                            + "unload the previous adapter first");
                }
                Ia3Linear layer = new Ia3Linear(base, path, config.feedforwardModules().matchesSuffix(path),
                        !config.initIa3Weights(), gen);
                e.getValue().replace(layer);
                layers.put(path, layer);
            }
        }
        if (layers.isEmpty()) {
            throw new Lora4jException("ia3", "field \"target_modules\" (" + config.targetModules()
                    + ") matched no linear layer (T5's are q, k, v, o, wi or wi_0/wi_1, wo)");
        }
        return new Ia3Model(model, config, layers);
    }

    private static void undo(T5ForConditionalGeneration model, Map<String, Ia3Linear> layers) {
        layers.forEach((path, layer) -> {
            model.replaceLinear(path, layer.base());
            layer.releaseVector();
        });
    }

    /**
     * The scaled layers by module path, in the model's order.
     *
     * @return an unmodifiable map of the layers, owned by the model
     */
    public Map<String, Ia3Linear> layers() {
        return layers;
    }

    @Override
    public Ia3Config config() {
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

    /** The vectors and modules_to_save parameters under PEFT's keys, {@code base_model.model.<name>}. */
    @Override
    public Map<String, Tensor> stateDict() {
        return LayerStateDicts.withPeftPrefix(trainableParameters());
    }

    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        return config.toJson().put("base_model_name_or_path", baseModelNameOrPath);
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
        for (Ia3Linear l : layers.values()) {
            String refusal = l.mergeRefusal();
            if (refusal != null) {
                return refusal;
            }
        }
        return null;
    }

    @Override
    public void merge() {
        layers.values().forEach(Ia3Linear::merge);
    }

    @Override
    public void unmerge() {
        layers.values().forEach(Ia3Linear::unmerge);
    }

    @Override
    public boolean isMerged() {
        return layers.values().iterator().next().isMerged();
    }

    /** Puts every base layer back (merged weights stay merged) and frees the vectors. */
    @Override
    public void detach() {
        undo(model, layers);
        saved.release();
    }

    @Override
    public String describe() {
        long ff = layers.values().stream().filter(Ia3Linear::isFeedforward).count();
        return "(IA)³ on " + layers.size() + " layers (" + ff + " scaling their input), "
                + (config.initIa3Weights() ? "ones" : "random") + " init";
    }
}
