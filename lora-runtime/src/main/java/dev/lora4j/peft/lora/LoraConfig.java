package dev.lora4j.peft.lora;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.Lora4jException;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * LoRA settings, mirroring PEFT's {@code LoraConfig} field by field so adapters move between lora4j
 * and Python unchanged.
 *
 * @param r               rank of the update (PEFT {@code r}), 1 to 256
 * @param loraAlpha       scaling numerator: scale = alpha / r, or alpha / √r with rsLoRA
 * @param loraDropout     dropout on the adapter's input, in [0, 1)
 * @param bias            which biases train: none, all, or only those of adapted layers
 * @param useRslora       rank-stabilised scaling (alpha / √r)
 * @param initLoraWeights how A and B start (PEFT default: A Kaiming-uniform, B zero)
 * @param targetModules   which linear layers get adapters (PEFT's suffix matching, a regex, or all-linear)
 * @param modulesToSave   modules trained fully and saved with the adapter (PEFT's modules_to_save)
 * @param useDora         DoRA (PEFT's use_dora): a trainable magnitude per output row rescales the direction
 *                        W + s·B·A (see docs/DORA.md)
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, Bias bias, boolean useRslora,
                         Init initLoraWeights, TargetModules targetModules, List<String> modulesToSave, boolean useDora)
        implements MethodConfig {

    /** PEFT's {@code bias} values. */
    public enum Bias {
        NONE("none"),
        ALL("all"),
        LORA_ONLY("lora_only");

        public final String peftName;

        Bias(String peftName) {
            this.peftName = peftName;
        }

        public static Bias fromPeft(String name) {
            for (Bias b : values()) {
                if (b.peftName.equals(name)) {
                    return b;
                }
            }
            throw new Lora4jException("lora_config", "unknown bias \"" + name + "\" (none, all, lora_only)");
        }
    }

    /** PEFT's {@code init_lora_weights} values supported here. */
    public enum Init {
        /** true: A Kaiming-uniform (a = √5), B zero, so the adapter starts as the identity. */
        DEFAULT,
        /** "gaussian": A normal with std 1/r, B zero. */
        GAUSSIAN,
        /** false: A and B both Kaiming-uniform, so the adapter changes the output from the start (tests). */
        RANDOM
    }

    public LoraConfig {
        if (r < 1 || r > 256) {
            throw new Lora4jException("lora_config", "r must be in [1, 256], got " + r);
        }
        if (!(loraAlpha > 0) || Double.isInfinite(loraAlpha)) {
            throw new Lora4jException("lora_config", "lora_alpha must be positive and finite, got " + loraAlpha);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new Lora4jException("lora_config", "lora_dropout must be in [0, 1), got " + loraDropout);
        }
        Objects.requireNonNull(bias, "bias");
        Objects.requireNonNull(initLoraWeights, "initLoraWeights");
        Objects.requireNonNull(targetModules, "targetModules");
        modulesToSave = List.copyOf(modulesToSave);
    }

    /** PEFT's defaults for T5 (r 8, alpha 8, dropout 0, targets q and v). */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 8, 0.0, Bias.NONE, false, Init.DEFAULT, TargetModules.names("q", "v"), List.of(), false);
    }

    public LoraConfig withR(int value) {
        return new LoraConfig(value, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    public LoraConfig withAlpha(double value) {
        return new LoraConfig(r, value, loraDropout, bias, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    public LoraConfig withDropout(double value) {
        return new LoraConfig(r, loraAlpha, value, bias, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    public LoraConfig withRslora(boolean value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, value, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    public LoraConfig withInit(Init value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, value, targetModules, modulesToSave, useDora);
    }

    public LoraConfig withTargets(TargetModules value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, value, modulesToSave, useDora);
    }

    public LoraConfig withBias(Bias value) {
        return new LoraConfig(r, loraAlpha, loraDropout, value, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    public LoraConfig withModulesToSave(List<String> value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, targetModules, value, useDora);
    }

    public LoraConfig withDora(boolean value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, targetModules, modulesToSave, value);
    }

    /** LoRA, DoRA included (use_dora; {@code --method dora} is LoRA's preset with it set). */
    @Override
    public PeftMethod method() {
        return LoraMethod.INSTANCE;
    }

    /**
     * PEFT's LoraConfig fields as adapter_config.json holds them. target_modules is written as given
     * (an attached adapter writes "all-linear" resolved to the module names it adapted, as PEFT does).
     */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", LoraMethod.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.put("r", r);
        o.put("lora_alpha", loraAlpha);
        o.put("lora_dropout", loraDropout);
        switch (targetModules) {
            case TargetModules.Regex regex -> o.put("target_modules", regex.pattern().pattern());
            case TargetModules.Names names -> {
                ArrayNode a = o.putArray("target_modules");
                new java.util.TreeSet<>(names.names()).forEach(a::add);
            }
            case TargetModules.AllLinear all -> o.put("target_modules", "all-linear");
        }
        o.put("bias", bias.peftName);
        o.put("use_rslora", useRslora);
        switch (initLoraWeights) {
            case DEFAULT -> o.put("init_lora_weights", true);
            case GAUSSIAN -> o.put("init_lora_weights", "gaussian");
            case RANDOM -> o.put("init_lora_weights", false);
        }
        if (modulesToSave.isEmpty()) {
            o.putNull("modules_to_save");
        } else {
            ArrayNode a = o.putArray("modules_to_save");
            modulesToSave.forEach(a::add);
        }
        o.put("fan_in_fan_out", false);
        o.put("use_dora", useDora);
        o.put("inference_mode", true);
        o.putNull("layers_to_transform");
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        return o;
    }

    /** The factor on B·A: alpha / r, or alpha / √r with rsLoRA (PEFT's {@code scaling}). */
    public double scale() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /**
     * Which modules get adapters, by PEFT's rules: a list of names matches a module whose path equals a
     * name or ends with "." + name; a single string is a regex that must match the whole path;
     * "all-linear" matches every linear layer but the output layer.
     */
    public sealed interface TargetModules {
        boolean matches(String modulePath, boolean isOutputLayer);

        static TargetModules names(String... names) {
            return new Names(List.of(names));
        }

        static TargetModules regex(String pattern) {
            try {
                return new Regex(Pattern.compile(pattern));
            } catch (PatternSyntaxException e) {
                throw new Lora4jException("lora_config", "target_modules is not a valid regex: " + e.getMessage());
            }
        }

        static TargetModules allLinear() {
            return new AllLinear();
        }

        /** Module names matched as PEFT matches a list: the path equals a name or ends with "." + name. */
        record Names(List<String> names) implements TargetModules {
            public Names {
                if (names.isEmpty()) {
                    throw new Lora4jException("lora_config", "target_modules is empty");
                }
                names = List.copyOf(names);
            }

            @Override
            public boolean matches(String modulePath, boolean isOutputLayer) {
                for (String n : names) {
                    if (modulePath.equals(n) || modulePath.endsWith("." + n)) {
                        return true;
                    }
                }
                return false;
            }
        }

        /** A regular expression that must match a module's whole path (PEFT's string form). */
        record Regex(Pattern pattern) implements TargetModules {
            @Override
            public boolean matches(String modulePath, boolean isOutputLayer) {
                return pattern.matcher(modulePath).matches();
            }
        }

        /** PEFT's "all-linear": every linear layer but the output layer. */
        record AllLinear() implements TargetModules {
            @Override
            public boolean matches(String modulePath, boolean isOutputLayer) {
                return !isOutputLayer;
            }
        }
    }
}
