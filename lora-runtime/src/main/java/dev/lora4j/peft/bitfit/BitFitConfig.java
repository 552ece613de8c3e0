package dev.lora4j.peft.bitfit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.ModuleNames;
import dev.lora4j.peft.ModulesToSave;
import dev.lora4j.peft.PeftMethod;
import java.util.List;
import java.util.Objects;

/**
 * BitFit settings, written as PEFT's {@code BeftConfig} (peft_type BEFT) so PEFT loads the adapter.
 *
 * @param targetModules the linear layers that get a bias (BitFit: every attention and FFN projection)
 * @param initWeights   true: biases start at zero (the model unchanged); false: standard normal (tests)
 * @param modulesToSave modules trained in full and saved with the adapter; {@code layer_norm} gives T-Few's
 *                      BitFit, which also trains every norm scale (PEFT's suffix match takes final_layer_norm too)
 */
public record BitFitConfig(ModuleNames targetModules, boolean initWeights, List<String> modulesToSave)
        implements MethodConfig {
    /** BitFit on T5: q, k, v, o of self- and cross-attention and the FFN's wi (or wi_0, wi_1) and wo. */
    public static final ModuleNames BITFIT_TARGETS = ModuleNames.of("q", "k", "v", "o", "wi", "wi_0", "wi_1", "wo");
    /** PEFT's TRANSFORMERS_MODELS_TO_BEFT_TARGET_MODULES_MAPPING["t5"], used when a file names no targets. */
    public static final ModuleNames PEFT_T5_TARGETS = ModuleNames.of("v");

    /**
     * Checks targetModules and copies modulesToSave.
     *
     * @throws NullPointerException if targetModules or modulesToSave is null
     */
    public BitFitConfig {
        Objects.requireNonNull(targetModules, "targetModules");
        modulesToSave = List.copyOf(modulesToSave);
    }

    /**
     * BitFit: zero biases on every projection of every block, nothing else trained.
     *
     * @return the default config
     */
    public static BitFitConfig defaults() {
        return new BitFitConfig(BITFIT_TARGETS, true, List.of());
    }

    /**
     * A copy with {@code initWeights} replaced.
     *
     * @param value true for biases at zero, false for standard normal
     * @return the new config
     */
    public BitFitConfig withInitWeights(boolean value) {
        return new BitFitConfig(targetModules, value, modulesToSave);
    }

    /**
     * A copy with {@code modulesToSave} replaced.
     *
     * @param value the modules trained in full and saved with the adapter
     * @return the new config
     */
    public BitFitConfig withModulesToSave(List<String> value) {
        return new BitFitConfig(targetModules, initWeights, value);
    }

    @Override
    public PeftMethod method() {
        return BitFitMethod.INSTANCE;
    }

    /** Every field PEFT 0.21.2 writes for BeftConfig (peft_version aside). */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", BitFitMethod.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.set("target_modules", targetModules.toJson());
        o.put("init_weights", initWeights);
        ModulesToSave.toJson(o, modulesToSave);
        o.put("inference_mode", true);
        o.putNull("auto_mapping");
        o.putNull("revision");
        return o;
    }
}
