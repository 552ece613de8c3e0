package dev.lora4j.peft.lntuning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.NormLayer;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigFields;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.ConfigOption.Type;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.ModuleNames;
import dev.lora4j.peft.ModulesToSave;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.t5.T5ForConditionalGeneration;
import java.util.List;

/** LN tuning (PEFT's LN_TUNING): trainable copies of the RMSNorm scales, the rest frozen. */
public final class LnTuningMethod implements PeftMethod {
    /** LN tuning's peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "LN_TUNING";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final LnTuningMethod INSTANCE = new LnTuningMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public LnTuningMethod() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "ln-tuning";
    }

    @Override
    public String description() {
        return "LN tuning: train copies of the RMSNorm scales (layer_norm, final_layer_norm; PEFT's LNTuningConfig)";
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--targets", "--target-modules"), "target_modules", Type.MODULES, "NAMES",
                        "layer_norm,final_layer_norm", "target_modules: comma-separated name suffixes or regex:PATTERN"),
                new ConfigOption(List.of("--exclude-modules"), "exclude_modules", Type.MODULES, "NAMES", null,
                        "modules never adapted (names or regex:PATTERN)"),
                new ConfigOption(List.of("--modules-to-save"), "modules_to_save", Type.LIST, "NAMES", null,
                        "modules trained fully and saved with the adapter (PEFT's modules_to_save)"));
    }

    @Override
    public LnTuningConfig readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        ModuleNames targets = ModuleNames.read(f, "target_modules");
        ModuleNames exclude = ModuleNames.read(f, "exclude_modules");
        List<String> save = f.strings("modules_to_save");
        return new LnTuningConfig(targets == null ? LnTuningConfig.T5_TARGETS : targets, exclude,
                save == null ? List.of() : save);
    }

    @Override
    public void check(T5ForConditionalGeneration model, MethodConfig config) {
        LnTuningConfig ln = (LnTuningConfig) config;
        if (ln.targetModules().regex() == null) {
            for (String name : ln.targetModules().names()) {
                if (model.slots(NormLayer.class).keySet().stream().noneMatch(ModuleNames.of(name)::matches)) {
                    throw new Lora4jException("ln_tuning", "field \"target_modules\" names '" + name
                            + "', which matches no norm of this model (T5's are layer_norm and final_layer_norm)");
                }
            }
        }
        ModulesToSave.check(model, ln.modulesToSave(), "ln_tuning");
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof LnTuningConfig ln)) {
            throw new Lora4jException("ln_tuning", "not an LN tuning config: " + config);
        }
        return LnTuningModel.wrap(model, ln);
    }
}
