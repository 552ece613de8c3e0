package dev.lora4j.peft.lntuning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.ModuleNames;
import dev.lora4j.peft.ModulesToSave;
import dev.lora4j.peft.PeftMethod;
import java.util.List;
import java.util.Objects;

/**
 * LN tuning settings, PEFT's {@code LNTuningConfig} field by field.
 *
 * @param targetModules  the norms that get a trainable copy (T5 default layer_norm, final_layer_norm: all of them)
 * @param excludeModules norms never targeted, or null
 * @param modulesToSave  modules trained in full and saved with the adapter
 */
public record LnTuningConfig(ModuleNames targetModules, ModuleNames excludeModules, List<String> modulesToSave)
        implements MethodConfig {
    /** PEFT's TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING["t5"]. */
    public static final ModuleNames T5_TARGETS = ModuleNames.of("layer_norm", "final_layer_norm");

    /**
     * Checks targetModules and copies modulesToSave.
     *
     * @throws NullPointerException if targetModules or modulesToSave is null
     */
    public LnTuningConfig {
        Objects.requireNonNull(targetModules, "targetModules");
        modulesToSave = List.copyOf(modulesToSave);
    }

    /**
     * PEFT's defaults for T5: every RMSNorm of both stacks.
     *
     * @return the default config
     */
    public static LnTuningConfig defaults() {
        return new LnTuningConfig(T5_TARGETS, null, List.of());
    }

    @Override
    public PeftMethod method() {
        return LnTuningMethod.INSTANCE;
    }

    /** Every field PEFT 0.21.2 writes for LNTuningConfig (peft_version aside). */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", LnTuningMethod.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.set("target_modules", targetModules.toJson());
        if (excludeModules == null) {
            o.putNull("exclude_modules");
        } else {
            o.set("exclude_modules", excludeModules.toJson());
        }
        ModulesToSave.toJson(o, modulesToSave);
        o.put("inference_mode", true);
        o.putNull("auto_mapping");
        o.putNull("revision");
        return o;
    }
}
