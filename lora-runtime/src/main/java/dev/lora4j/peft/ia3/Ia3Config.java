package dev.lora4j.peft.ia3;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.ModuleNames;
import dev.lora4j.peft.ModulesToSave;
import dev.lora4j.peft.PeftMethod;
import java.util.List;
import java.util.Objects;

/**
 * (IA)³ settings, PEFT's {@code IA3Config} field by field.
 *
 * @param targetModules      the linear layers that get a vector (T5 default k, v, wo)
 * @param feedforwardModules which of them scale their input instead of their output (T5 default wo)
 * @param excludeModules     layers never targeted, or null
 * @param initIa3Weights     true: vectors start at ones (the identity); false: standard normal (tests)
 * @param modulesToSave      modules trained in full and saved with the adapter
 */
public record Ia3Config(ModuleNames targetModules, ModuleNames feedforwardModules, ModuleNames excludeModules,
                        boolean initIa3Weights, List<String> modulesToSave) implements MethodConfig {
    /** PEFT's defaults for model_type t5 (FLAN-T5 included): TRANSFORMERS_MODELS_TO_IA3_*_MAPPING["t5"]. */
    public static final ModuleNames T5_TARGETS = ModuleNames.of("k", "v", "wo");
    /** PEFT's feedforward_modules default for T5: wo, whose input is scaled. */
    public static final ModuleNames T5_FEEDFORWARD = ModuleNames.of("wo");

    /**
     * Checks the required fields and copies modulesToSave.
     *
     * @throws NullPointerException if targetModules, feedforwardModules or modulesToSave is null
     */
    public Ia3Config {
        Objects.requireNonNull(targetModules, "targetModules");
        Objects.requireNonNull(feedforwardModules, "feedforwardModules");
        modulesToSave = List.copyOf(modulesToSave);
    }

    /**
     * PEFT's defaults for T5: vectors on k, v (outputs) and wo (input), ones.
     *
     * @return the default config
     */
    public static Ia3Config defaults() {
        return new Ia3Config(T5_TARGETS, T5_FEEDFORWARD, null, true, List.of());
    }

    /**
     * A copy with {@code initIa3Weights} replaced.
     *
     * @param value true for vectors at ones, false for standard normal
     * @return the new config
     */
    public Ia3Config withInitIa3Weights(boolean value) {
        return new Ia3Config(targetModules, feedforwardModules, excludeModules, value, modulesToSave);
    }

    /**
     * A copy with the target and feed-forward modules replaced.
     *
     * @param targets     the linear layers that get a vector; not null
     * @param feedforward which of them scale their input; not null
     * @return the new config
     */
    public Ia3Config withTargets(ModuleNames targets, ModuleNames feedforward) {
        return new Ia3Config(targets, feedforward, excludeModules, initIa3Weights, modulesToSave);
    }

    @Override
    public PeftMethod method() {
        return Ia3Method.INSTANCE;
    }

    /** Every field PEFT 0.21.2 writes for IA3Config (peft_version aside, which lora4j does not claim). */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", Ia3Method.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.set("target_modules", targetModules.toJson());
        o.set("feedforward_modules", feedforwardModules.toJson());
        if (excludeModules == null) {
            o.putNull("exclude_modules");
        } else {
            o.set("exclude_modules", excludeModules.toJson());
        }
        o.put("fan_in_fan_out", false);
        o.put("init_ia3_weights", initIa3Weights);
        ModulesToSave.toJson(o, modulesToSave);
        o.put("inference_mode", true);
        o.putNull("auto_mapping");
        o.putNull("revision");
        return o;
    }
}
