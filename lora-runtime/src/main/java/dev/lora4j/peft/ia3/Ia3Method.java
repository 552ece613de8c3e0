package dev.lora4j.peft.ia3;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/** (IA)³ (PEFT's IA3, T-Few's vectors): learned vectors rescaling the keys, values and FFN activations. */
public final class Ia3Method implements PeftMethod {
    /** (IA)³'s peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "IA3";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final Ia3Method INSTANCE = new Ia3Method();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public Ia3Method() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "ia3";
    }

    @Override
    public String description() {
        return "(IA)³: learned vectors scaling the outputs of k and v and the input of wo (PEFT's IA3Config)";
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--targets", "--target-modules"), "target_modules", Type.MODULES, "NAMES", "k,v,wo",
                        "target_modules: comma-separated name suffixes (q,k,v,o,wi,wo,wi_0,wi_1) or regex:PATTERN"),
                new ConfigOption(List.of("--feedforward-modules"), "feedforward_modules", Type.MODULES, "NAMES", "wo",
                        "(IA)³ targets whose input is scaled instead of their output"),
                new ConfigOption(List.of("--exclude-modules"), "exclude_modules", Type.MODULES, "NAMES", null,
                        "modules never adapted (names or regex:PATTERN)"),
                new ConfigOption(List.of("--ia3-init"), "init_ia3_weights", Type.STRING_OR_BOOLEAN, "INIT", "ones",
                        "ones (the identity) or random (standard normal, for tests)", Map.of("ones", "true", "random", "false")),
                new ConfigOption(List.of("--modules-to-save"), "modules_to_save", Type.LIST, "NAMES", null,
                        "modules trained fully and saved with the adapter (PEFT's modules_to_save)"));
    }

    @Override
    public Ia3Config readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        f.unsupported("fan_in_fan_out", JsonNode::asBoolean, "fan_in_fan_out (Conv1D layers)");
        ModuleNames targets = ModuleNames.read(f, "target_modules");
        ModuleNames feedforward = ModuleNames.read(f, "feedforward_modules", true);
        // PEFT fills each missing field from its T5 mapping independently.
        targets = targets == null ? Ia3Config.T5_TARGETS : targets;
        feedforward = feedforward == null ? Ia3Config.T5_FEEDFORWARD : feedforward;
        if (targets.regex() == null && feedforward.regex() == null
                && !new HashSet<>(targets.names()).containsAll(feedforward.names())) {
            throw f.error("feedforward_modules", "must be a subset of target_modules (" + targets + "), got " + feedforward);
        }
        ModuleNames exclude = ModuleNames.read(f, "exclude_modules");
        boolean init = f.bool("init_ia3_weights", true);
        List<String> save = f.strings("modules_to_save");
        return new Ia3Config(targets, feedforward, exclude, init, save == null ? List.of() : save);
    }

    /** Each target name must match a linear layer, each modules_to_save name a module with parameters. */
    @Override
    public void check(T5ForConditionalGeneration model, MethodConfig config) {
        Ia3Config ia3 = (Ia3Config) config;
        if (ia3.targetModules().regex() == null) {
            for (String name : ia3.targetModules().names()) {
                if (model.slots(LinearLayer.class).keySet().stream().noneMatch(ModuleNames.of(name)::matches)) {
                    throw new Lora4jException("ia3", "field \"target_modules\" names '" + name + "', which matches no linear "
                            + "layer of this model (T5's are q, k, v, o, wi or wi_0/wi_1, wo)");
                }
            }
        }
        ModulesToSave.check(model, ia3.modulesToSave(), "ia3");
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof Ia3Config ia3)) {
            throw new Lora4jException("ia3", "not an (IA)³ config: " + config);
        }
        return Ia3Model.wrap(model, ia3, seed);
    }
}
