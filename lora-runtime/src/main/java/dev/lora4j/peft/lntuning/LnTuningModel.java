package dev.lora4j.peft.lntuning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.NormLayer;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.nn.Slot;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.LayerStateDicts;
import dev.lora4j.peft.ModulesToSave;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LN tuning attached to a T5 model, as PEFT's LNTuningModel: the base is frozen and every norm that
 * target_modules matches is wrapped in an {@link LnTuningNorm} whose copy trains. File keys are PEFT's:
 * {@code base_model.model.<path>.ln_tuning_layers.weight}.
 */
public final class LnTuningModel implements Adapter {

    private final T5ForConditionalGeneration model;
    private final LnTuningConfig config;
    private final Map<String, LnTuningNorm> norms;
    private final ModulesToSave saved;

    private LnTuningModel(T5ForConditionalGeneration model, LnTuningConfig config, Map<String, LnTuningNorm> norms) {
        this.model = model;
        this.config = config;
        this.norms = Collections.unmodifiableMap(norms);
        this.saved = ModulesToSave.mark(model, config.modulesToSave());
    }

    /**
     * Wraps the matching norms; the copies start equal to the originals (no randomness).
     *
     * @param model  the model to modify in place: its parameters are frozen and target norms wrapped (if
     *               wrapping fails, it is left as it was)
     * @param config the LN tuning settings
     * @return the attached adapter
     */
    public static LnTuningModel wrap(T5ForConditionalGeneration model, LnTuningConfig config) {
        return model.freezeThen(() -> attach(model, config));
    }

    private static LnTuningModel attach(T5ForConditionalGeneration model, LnTuningConfig config) {
        Map<String, LnTuningNorm> norms = new LinkedHashMap<>();
        for (Map.Entry<String, Slot<NormLayer>> e : model.slots(NormLayer.class).entrySet()) {
            String path = e.getKey();
            if (!config.targetModules().matches(path)
                    || (config.excludeModules() != null && config.excludeModules().matches(path))
                    || ModulesToSave.covers(config.modulesToSave(), path)) {
                continue;
            }
            NormLayer base = e.getValue().get();
            if (base instanceof LnTuningNorm) {
                undo(model, norms);
                throw new Lora4jException("ln_tuning", "norm " + path + " is already LN-tuned; unload the previous adapter first");
            }
            LnTuningNorm norm;
            try {
                norm = new LnTuningNorm(base, path);
            } catch (Lora4jException ex) {
                undo(model, norms);
                throw ex;
            }
            e.getValue().replace(norm);
            norms.put(path, norm);
        }
        if (norms.isEmpty()) {
            throw new Lora4jException("ln_tuning", "field \"target_modules\" (" + config.targetModules()
                    + ") matched no norm (T5's are layer_norm and final_layer_norm)");
        }
        return new LnTuningModel(model, config, norms);
    }

    private static void undo(T5ForConditionalGeneration model, Map<String, LnTuningNorm> norms) {
        norms.forEach((path, norm) -> {
            model.slot(path, NormLayer.class).replace(norm.kept());
            norm.releaseOther();
        });
    }

    /**
     * The tuned norms by module path.
     *
     * @return an unmodifiable map of the wrappers, owned by the model
     */
    public Map<String, LnTuningNorm> norms() {
        return norms;
    }

    @Override
    public LnTuningConfig config() {
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

    /**
     * Every ln_tuning_layers tensor (the trained copies; after a merge, as in PEFT, the originals that
     * then sit there) and the modules_to_save parameters, under {@code base_model.model.<name>}.
     */
    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> {
            if (name.contains(".ln_tuning_layers.") || saved.parameters().containsKey(name)) {
                out.put(LayerStateDicts.PEFT_PREFIX + name, t);
            }
        });
        return out;
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
        norms.values().forEach(n -> n.setEnabled(enabled));
    }

    /** Merging swaps layers and computes nothing, so it always works. */
    @Override
    public String mergeRefusal() {
        return null;
    }

    @Override
    public void merge() {
        norms.values().forEach(LnTuningNorm::merge);
    }

    @Override
    public void unmerge() {
        norms.values().forEach(LnTuningNorm::unmerge);
    }

    @Override
    public boolean isMerged() {
        return norms.values().iterator().next().isMerged();
    }

    /** Puts the originals back (the trained copies when merged) and frees the others. */
    @Override
    public void detach() {
        undo(model, norms);
        saved.release();
    }

    @Override
    public String describe() {
        return "LN tuning of " + norms.size() + " norms";
    }
}
