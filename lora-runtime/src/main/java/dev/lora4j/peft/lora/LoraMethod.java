package dev.lora4j.peft.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigFields;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.ConfigOption.Type;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
import java.util.List;
import java.util.Map;

/**
 * LoRA (PEFT's LORA): low-rank updates added to the outputs of chosen linear layers; with use_dora, DoRA
 * (the same files, "use_dora": true; {@code --method dora} is this method's preset with use_dora set, since
 * PEFT has no DoRA type of its own).
 */
public final class LoraMethod implements PeftMethod {
    /** LoRA's peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "LORA";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final LoraMethod INSTANCE = new LoraMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public LoraMethod() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "lora";
    }

    @Override
    public String description() {
        return "LoRA: trainable low-rank updates s·B·A on chosen linear layers (PEFT's LoraConfig)";
    }

    @Override
    public List<dev.lora4j.peft.MethodPreset> presets() {
        var fields = dev.lora4j.io.StrictJson.mapper().createObjectNode().put("use_dora", true);
        return List.of(new dev.lora4j.peft.MethodPreset("dora",
                "DoRA: LoRA with a trainable magnitude per output row (PEFT's LoraConfig with use_dora)", fields));
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--r"), "r", Type.INT, "R", "8", "LoRA rank, 1-256"),
                new ConfigOption(List.of("--alpha", "--lora-alpha"), "lora_alpha", Type.NUMBER, "ALPHA", "8",
                        "lora_alpha; the update is scaled by alpha/r"),
                new ConfigOption(List.of("--lora-dropout"), "lora_dropout", Type.NUMBER, "P", "0",
                        "dropout on the adapter's input"),
                new ConfigOption(List.of("--targets", "--target-modules"), "target_modules", Type.MODULES, "NAMES", "q,v",
                        "target_modules: comma-separated name suffixes (q,k,v,o,wi,wo,wi_0,wi_1), all-linear, or regex:PATTERN"),
                new ConfigOption(List.of("--lora-bias"), "bias", Type.STRING, "BIAS", "none", "none, all or lora_only"),
                new ConfigOption(List.of("--rslora", "--use-rslora"), "use_rslora", Type.FLAG, null, null,
                        "scale by alpha/sqrt(r) (rsLoRA)"),
                new ConfigOption(List.of("--use-dora"), "use_dora", Type.FLAG, null, null,
                        "DoRA: a trainable magnitude per output row over W + s·B·A (PEFT's use_dora)"),
                new ConfigOption(List.of("--lora-init", "--init-lora-weights"), "init_lora_weights", Type.STRING_OR_BOOLEAN,
                        "INIT", "default", "default (A Kaiming-uniform, B zero), gaussian, or random (B non-zero too)",
                        Map.of("default", "true", "random", "false")),
                new ConfigOption(List.of("--modules-to-save"), "modules_to_save", Type.LIST, "NAMES", null,
                        "modules trained fully and saved with the adapter (PEFT's modules_to_save)"));
    }

    @Override
    public LoraConfig readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        f.unsupported("fan_in_fan_out", JsonNode::asBoolean, "fan_in_fan_out (Conv1D layers)");
        f.unsupported("lora_bias", JsonNode::asBoolean, "lora_bias");
        f.unsupported("layers_to_transform", n -> true, "layers_to_transform");
        f.unsupported("rank_pattern", n -> !n.isObject() || !n.isEmpty(), "rank_pattern");
        f.unsupported("alpha_pattern", n -> !n.isObject() || !n.isEmpty(), "alpha_pattern");
        if (!f.has("r")) {
            throw f.error("r", "is missing");
        }
        int r = f.integer("r", 8);
        double alpha = f.number("lora_alpha", 8);
        double dropout = f.number("lora_dropout", 0);
        LoraConfig.TargetModules targets = targetModules(f);
        LoraConfig.Bias bias;
        try {
            bias = LoraConfig.Bias.fromPeft(f.text("bias", "none"));
        } catch (Lora4jException e) {
            throw f.error("bias", "must be none, all or lora_only, got " + json.get("bias"));
        }
        boolean rslora = f.bool("use_rslora", false);
        boolean dora = f.bool("use_dora", false);
        LoraConfig.Init init = initWeights(f);
        List<String> modulesToSave = f.strings("modules_to_save");
        if (r < 1 || r > 256) {
            throw f.error("r", "must be between 1 and 256, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw f.error("lora_alpha", "must be a positive number, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw f.error("lora_dropout", "must be at least 0.0 and below 1.0, got " + dropout);
        }
        try {
            return new LoraConfig(r, alpha, dropout, bias, rslora, init, targets,
                    modulesToSave == null ? List.of() : modulesToSave, dora);
        } catch (Lora4jException e) {
            throw new Lora4jException("adapter config", source + ": " + e.getMessage(), e);
        }
    }

    private static LoraConfig.Init initWeights(ConfigFields f) {
        JsonNode n = f.raw("init_lora_weights");
        if (n == null || n.isNull() || (n.isBoolean() && n.booleanValue())) {
            return LoraConfig.Init.DEFAULT;
        }
        if (n.isBoolean()) {
            return LoraConfig.Init.RANDOM;
        }
        if (n.isTextual() && n.textValue().equals("gaussian")) {
            return LoraConfig.Init.GAUSSIAN;
        }
        throw f.error("init_lora_weights", "must be true, false or \"gaussian\" (lora4j does not implement " + n + ")");
    }

    private static LoraConfig.TargetModules targetModules(ConfigFields f) {
        JsonNode n = f.raw("target_modules");
        if (n != null && n.isTextual()) {
            return n.textValue().equals("all-linear") ? LoraConfig.TargetModules.allLinear()
                    : LoraConfig.TargetModules.regex(n.textValue());
        }
        List<String> names = f.strings("target_modules");
        if (names == null || names.isEmpty()) {
            throw f.error("target_modules", "must be a non-empty list of module names, \"all-linear\" or a regex");
        }
        return new LoraConfig.TargetModules.Names(names);
    }

    /**
     * Each name of target_modules must match a linear layer (PEFT fails only when none does, so a typo in
     * one of several names would leave that layer silently unadapted), and each modules_to_save entry must
     * name a module with parameters; lm_head of a model whose head is tied to the embeddings has none.
     */
    @Override
    public void check(T5ForConditionalGeneration model, MethodConfig config) {
        LoraConfig lora = (LoraConfig) config;
        if (lora.targetModules() instanceof LoraConfig.TargetModules.Names names) {
            for (String name : names.names()) {
                boolean found = model.slots(dev.lora4j.nn.LinearLayer.class).keySet().stream()
                        .anyMatch(path -> path.equals(name) || path.endsWith("." + name));
                if (!found) {
                    throw new Lora4jException("lora", "field \"target_modules\" names '" + name + "', which matches no linear "
                            + "layer of this model (T5's are q, k, v, o, wi or wi_0/wi_1, wo, lm_head)");
                }
            }
        }
        for (String module : lora.modulesToSave()) {
            if (module.equals(T5ForConditionalGeneration.LM_HEAD) && model.isLmHeadTied()) {
                throw new Lora4jException("lora", "field \"modules_to_save\" names lm_head, but this model's head is tied to "
                        + "the input embeddings (tie_word_embeddings): it has no weight of its own; name shared to train the "
                        + "embeddings (and so the head)");
            }
            boolean found = model.namedParameters().keySet().stream()
                    .anyMatch(name -> name.startsWith(module + ".") || name.contains("." + module + "."));
            if (!found) {
                throw new Lora4jException("lora", "field \"modules_to_save\" names '" + module + "', which is no module of "
                        + "this model with parameters (examples: shared, lm_head, encoder.final_layer_norm, "
                        + "decoder.block.0.layer.2.DenseReluDense.wo)");
            }
        }
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof LoraConfig lora)) {
            throw new Lora4jException("lora", "not a LoRA config: " + config);
        }
        return LoraModel.wrap(model, lora, seed);
    }
}
