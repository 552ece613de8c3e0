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
        /** No bias trains. */
        NONE("none"),
        /** Every bias of the model trains. */
        ALL("all"),
        /** Only the biases of layers that get an adapter train. */
        LORA_ONLY("lora_only");

        /** The value as adapter_config.json spells it. */
        public final String peftName;

        Bias(String peftName) {
            this.peftName = peftName;
        }

        /**
         * The value adapter_config.json spells as name.
         *
         * @param name one of none, all, lora_only
         * @return the matching value
         * @throws Lora4jException if name is none of them
         */
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

    /**
     * Validates the settings and copies modulesToSave.
     *
     * @throws Lora4jException if r, loraAlpha or loraDropout is out of range
     * @throws NullPointerException if bias, initLoraWeights or targetModules is null
     */
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

    /**
     * PEFT's defaults for T5 (r 8, alpha 8, dropout 0, targets q and v).
     *
     * @return the default config
     */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 8, 0.0, Bias.NONE, false, Init.DEFAULT, TargetModules.names("q", "v"), List.of(), false);
    }

    /**
     * A copy with {@code r} replaced.
     *
     * @param value the new rank; 1 to 256
     * @return the new config
     */
    public LoraConfig withR(int value) {
        return new LoraConfig(value, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    /**
     * A copy with {@code loraAlpha} replaced.
     *
     * @param value the new alpha; positive and finite
     * @return the new config
     */
    public LoraConfig withAlpha(double value) {
        return new LoraConfig(r, value, loraDropout, bias, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    /**
     * A copy with {@code loraDropout} replaced.
     *
     * @param value the new dropout probability, in [0, 1)
     * @return the new config
     */
    public LoraConfig withDropout(double value) {
        return new LoraConfig(r, loraAlpha, value, bias, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    /**
     * A copy with {@code useRslora} replaced.
     *
     * @param value whether to use rank-stabilised scaling
     * @return the new config
     */
    public LoraConfig withRslora(boolean value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, value, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    /**
     * A copy with {@code initLoraWeights} replaced.
     *
     * @param value the new initialisation; not null
     * @return the new config
     */
    public LoraConfig withInit(Init value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, value, targetModules, modulesToSave, useDora);
    }

    /**
     * A copy with {@code targetModules} replaced.
     *
     * @param value the new target modules; not null
     * @return the new config
     */
    public LoraConfig withTargets(TargetModules value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, value, modulesToSave, useDora);
    }

    /**
     * A copy with {@code bias} replaced.
     *
     * @param value which biases train; not null
     * @return the new config
     */
    public LoraConfig withBias(Bias value) {
        return new LoraConfig(r, loraAlpha, loraDropout, value, useRslora, initLoraWeights, targetModules, modulesToSave, useDora);
    }

    /**
     * A copy with {@code modulesToSave} replaced.
     *
     * @param value the modules trained fully and saved
     * @return the new config
     */
    public LoraConfig withModulesToSave(List<String> value) {
        return new LoraConfig(r, loraAlpha, loraDropout, bias, useRslora, initLoraWeights, targetModules, value, useDora);
    }

    /**
     * A copy with {@code useDora} replaced.
     *
     * @param value whether to use DoRA
     * @return the new config
     */
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

    /**
     * The factor on B·A (PEFT's {@code scaling}).
     *
     * @return alpha / r, or alpha / √r with rsLoRA
     */
    public double scale() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /**
     * Which modules get adapters, by PEFT's rules: a list of names matches a module whose path equals a
     * name or ends with "." + name; a single string is a regex that must match the whole path;
     * "all-linear" matches every linear layer but the output layer.
     */
    public sealed interface TargetModules {
        /**
         * Whether a module gets an adapter.
         *
         * @param modulePath the module's dotted path in the model, e.g. {@code encoder.block.0.layer.0.SelfAttention.q}
         * @param isOutputLayer whether the module is the model's output layer (lm_head)
         * @return true if the module is a target
         */
        boolean matches(String modulePath, boolean isOutputLayer);

        /**
         * Targets matched as PEFT matches a list of names.
         *
         * @param names the module names; at least one
         * @return the targets
         */
        static TargetModules names(String... names) {
            return new Names(List.of(names));
        }

        /**
         * Targets matched by a regex over the whole module path.
         *
         * @param pattern the regular expression, in {@link Pattern} syntax
         * @return the targets
         * @throws Lora4jException if pattern is not a valid regex
         */
        static TargetModules regex(String pattern) {
            try {
                return new Regex(Pattern.compile(pattern));
            } catch (PatternSyntaxException e) {
                throw new Lora4jException("lora_config", "target_modules is not a valid regex: " + e.getMessage());
            }
        }

        /**
         * PEFT's "all-linear" targets.
         *
         * @return targets matching every linear layer but the output layer
         */
        static TargetModules allLinear() {
            return new AllLinear();
        }

        /**
         * Module names matched as PEFT matches a list: the path equals a name or ends with "." + name.
         *
         * @param names the module names; not empty
         */
        record Names(List<String> names) implements TargetModules {
            /**
             * Checks names is not empty and copies it.
             *
             * @throws Lora4jException if names is empty
             */
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

        /**
         * A regular expression that must match a module's whole path (PEFT's string form).
         *
         * @param pattern the compiled regular expression
         */
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
