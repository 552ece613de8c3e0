package dev.lora4j.peft.bitfit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.LinearLayer;
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
import java.util.Map;

/**
 * BitFit for T5, stored as PEFT's BEFT: T5 has no biases, so zero-initialised biases are added to the
 * projections and trained alone. PEFT's BEFT adds exactly such a bias ({@code beft_bias}); its T5 default
 * is v alone, BitFit's (the command line's default here) every projection.
 */
public final class BitFitMethod implements PeftMethod {
    /** BitFit's peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "BEFT";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final BitFitMethod INSTANCE = new BitFitMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public BitFitMethod() {}

    /** T5's projection names: one the architecture lacks (wi on a gated FFN) is not a typo. */
    private static final List<String> T5_PROJECTIONS = BitFitConfig.BITFIT_TARGETS.names();

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "bitfit";
    }

    @Override
    public String description() {
        return "BitFit: zero-initialised biases on every projection, trained alone (saved as PEFT's BEFT)";
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--targets", "--target-modules"), "target_modules", Type.MODULES, "NAMES",
                        "q,k,v,o,wi,wi_0,wi_1,wo", "target_modules: comma-separated name suffixes or regex:PATTERN"),
                new ConfigOption(List.of("--bitfit-init"), "init_weights", Type.STRING_OR_BOOLEAN, "INIT", "zeros",
                        "zeros (the model unchanged) or random (standard normal, for tests)",
                        Map.of("zeros", "true", "random", "false")),
                new ConfigOption(List.of("--modules-to-save"), "modules_to_save", Type.LIST, "NAMES", null,
                        "modules trained fully and saved with the adapter; layer_norm gives T-Few's BitFit (norm scales too)"));
    }

    /** A file without target_modules gets PEFT's T5 default (v), as PEFT would read it. */
    @Override
    public BitFitConfig readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        ModuleNames targets = ModuleNames.read(f, "target_modules");
        boolean init = f.bool("init_weights", true);
        List<String> save = f.strings("modules_to_save");
        return new BitFitConfig(targets == null ? BitFitConfig.PEFT_T5_TARGETS : targets, init,
                save == null ? List.of() : save);
    }

    /**
     * Each target name must match a linear layer, except T5's projection names the model lacks (wi on a
     * gated FFN, wi_0 and wi_1 on a plain one), so the default fits both.
     */
    @Override
    public void check(T5ForConditionalGeneration model, MethodConfig config) {
        BitFitConfig bitfit = (BitFitConfig) config;
        if (bitfit.targetModules().regex() == null) {
            for (String name : bitfit.targetModules().names()) {
                if (!T5_PROJECTIONS.contains(name)
                        && model.slots(LinearLayer.class).keySet().stream().noneMatch(ModuleNames.of(name)::matches)) {
                    throw new Lora4jException("bitfit", "field \"target_modules\" names '" + name + "', which matches no "
                            + "linear layer of this model (T5's are q, k, v, o, wi or wi_0/wi_1, wo)");
                }
            }
        }
        ModulesToSave.check(model, bitfit.modulesToSave(), "bitfit");
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof BitFitConfig bitfit)) {
            throw new Lora4jException("bitfit", "not a BitFit config: " + config);
        }
        return BitFitModel.wrap(model, bitfit, seed);
    }
}
