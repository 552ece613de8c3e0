package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigFields;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.ConfigOption.Type;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.MethodPreset;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.peft.bottleneck.BottleneckConfig.InitWeights;
import dev.lora4j.t5.T5ForConditionalGeneration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Bottleneck adapters as AdapterHub's {@code adapters} library trains them on T5 (its BnConfig): small
 * down-activation-up blocks after chosen sublayers, the base frozen. Files are AdapterHub's
 * (adapter_config.json with a "config" object, adapter.safetensors). {@code --method adapter-pfeiffer}
 * and {@code adapter-houlsby} are presets of this method with AdapterHub's SeqBnConfig and
 * DoubleSeqBnConfig fields.
 */
public final class BottleneckMethod implements PeftMethod {
    /** The registry type of AdapterHub's bottleneck configs (they carry no peft_type). */
    public static final String TYPE = "adapters:bottleneck";
    /** AdapterHub's weights file name (save_adapter with use_safetensors=True). */
    public static final String WEIGHTS_FILE = "adapter.safetensors";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final BottleneckMethod INSTANCE = new BottleneckMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public BottleneckMethod() {}

    /** transformers' activation names AdapterHub accepts that lora4j computes. */
    static final Set<String> NON_LINEARITIES = Set.of("relu", "swish", "silu", "gelu", "gelu_new", "tanh");

    @Override
    public String peftType() {
        return TYPE;
    }

    @Override
    public String name() {
        return "bottleneck";
    }

    @Override
    public String description() {
        return "bottleneck adapters after chosen sublayers (AdapterHub's BnConfig; defaults: Pfeiffer's SeqBnConfig)";
    }

    @Override
    public String weightsFile() {
        return WEIGHTS_FILE;
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--reduction-factor"), "reduction_factor", Type.NUMBER, "RF", "16",
                        "bottleneck size = d_model / RF (at least 1)"),
                new ConfigOption(List.of("--non-linearity"), "non_linearity", Type.STRING, "NAME", "relu",
                        "activation between the projections: relu, swish, gelu, gelu_new or tanh (presets: Houlsby swish)"),
                new ConfigOption(List.of("--mh-adapter"), "mh_adapter", Type.STRING_OR_BOOLEAN, "true|false", "false",
                        "an adapter after every self-attention sublayer (Houlsby: true)"),
                new ConfigOption(List.of("--output-adapter"), "output_adapter", Type.STRING_OR_BOOLEAN, "true|false", "true",
                        "an adapter after every feed-forward sublayer"),
                new ConfigOption(List.of("--cross-adapter"), "cross_adapter", Type.STRING_OR_BOOLEAN, "true|false", "false",
                        "an adapter after every decoder cross-attention sublayer"),
                new ConfigOption(List.of("--original-ln-before"), "original_ln_before", Type.STRING_OR_BOOLEAN, "true|false",
                        "true", "the adapter reads the residual sum x + h instead of the sublayer's output h (Houlsby: false)"),
                new ConfigOption(List.of("--residual-before-ln"), "residual_before_ln", Type.STRING_OR_BOOLEAN, "true|false",
                        "true", "the adapter's own residual is the sublayer's output h (false: the adapter's input)"),
                new ConfigOption(List.of("--adapter-init"), "init_weights", Type.STRING, "INIT", "bert",
                        "bert (N(0, 0.02)), houlsby (truncated normal, std 0.01) or mam_adapter (identity at start)"),
                new ConfigOption(List.of("--adapter-scaling"), "scaling", Type.NUMBER, "S", "1.0",
                        "the up projection's output is multiplied by S"),
                new ConfigOption(List.of("--adapter-dropout"), "dropout", Type.NUMBER, "P", "0.0",
                        "dropout on the adapter's output while training"),
                new ConfigOption(List.of("--adapter-name"), "name", Type.STRING, "NAME", "default",
                        "the adapter's name in AdapterHub's tensor keys (adapters.NAME.adapter_up.weight)"));
    }

    @Override
    public List<MethodPreset> presets() {
        return List.of(
                new MethodPreset("adapter-pfeiffer", "Pfeiffer adapters (AdapterHub seq_bn): after each FFN, on x + h, relu",
                        presetFields(BottleneckConfig.pfeiffer())),
                new MethodPreset("adapter-houlsby", "Houlsby adapters (AdapterHub double_seq_bn): after self-attention and "
                        + "each FFN, on h, swish", presetFields(BottleneckConfig.houlsby())));
    }

    private static ObjectNode presetFields(BottleneckConfig config) {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("mh_adapter", config.mhAdapter());
        o.put("output_adapter", config.outputAdapter());
        o.put("non_linearity", config.nonLinearity());
        o.put("original_ln_before", config.originalLnBefore());
        return o;
    }

    /**
     * Reads AdapterHub's adapter_config.json (BnConfig's fields under "config", the adapter's name beside
     * it) or the flat form the command line and run-config.json use. Fields of BnConfig that lora4j does
     * not implement must hold AdapterHub's defaults; otherwise the field is named and refused.
     */
    @Override
    public BottleneckConfig readConfig(ObjectNode json, String source) {
        JsonNode inner = json.get("config");
        boolean file = inner != null && inner.isObject();
        ObjectNode fieldsJson = file ? (ObjectNode) inner : json;
        ConfigFields f = new ConfigFields(fieldsJson, source);
        if (file) {
            ConfigFields top = new ConfigFields(json, source);
            String modelType = top.text("model_type", "t5");
            if (!modelType.equals("t5")) {
                throw top.error("model_type", "is \"" + modelType + "\": the adapter was made for another architecture");
            }
        }
        f.unsupported("ln_before", JsonNode::asBoolean, "a layer norm before the adapter (ln_before)");
        f.unsupported("ln_after", JsonNode::asBoolean, "a layer norm after the adapter (ln_after)");
        f.unsupported("is_parallel", JsonNode::asBoolean, "parallel adapters (is_parallel)");
        f.unsupported("use_gating", JsonNode::asBoolean, "gated adapters (use_gating)");
        f.unsupported("phm_layer", JsonNode::asBoolean, "Compacter's PHM layers (phm_layer)");
        f.unsupported("inv_adapter", n -> true, "invertible adapters (inv_adapter)");
        f.unsupported("stochastic_depth", n -> n.asDouble() != 0, "stochastic depth");
        f.unsupported("leave_out", n -> !n.isArray() || !n.isEmpty(), "leaving layers out (leave_out)");
        if (f.has("original_ln_after") && !f.bool("original_ln_after", true)) {
            throw f.error("original_ln_after", "is false: on pre-norm T5 that drops the residual stream from the sublayer's "
                    + "output; lora4j supports only true (AdapterHub's default)");
        }
        if (f.has("residual_before_ln") && f.raw("residual_before_ln").isTextual()) {
            throw f.error("residual_before_ln", "is \"" + f.raw("residual_before_ln").textValue()
                    + "\": only true or false mean something on T5, which has no layer norm after its sublayers");
        }
        if (f.has("scaling") && !f.raw("scaling").isNumber()) {
            throw f.error("scaling", "is " + ConfigFields.shown(f.raw("scaling")) + ": learned and channel scaling are "
                    + "not supported by lora4j; use a number");
        }
        BottleneckConfig defaults = BottleneckConfig.pfeiffer();
        String name = file ? new ConfigFields(json, source).text("name", defaults.name()) : f.text("name", defaults.name());
        if (name.isEmpty() || !name.matches("[A-Za-z0-9_\\-]+")) {
            throw (file ? new ConfigFields(json, source) : f).error("name", "must be letters, digits, '_' or '-' (it is part of "
                    + "every tensor key), got \"" + name + "\"");
        }
        double rf = reductionFactor(f);
        String act = f.text("non_linearity", defaults.nonLinearity()).toLowerCase(Locale.ROOT);
        if (!NON_LINEARITIES.contains(act)) {
            throw f.error("non_linearity", "is \"" + act + "\"; lora4j computes " + String.join(", ", NON_LINEARITIES.stream()
                    .sorted().toList()));
        }
        String initName = f.text("init_weights", "bert");
        InitWeights init = switch (initName) {
            case "bert" -> InitWeights.BERT;
            case "houlsby" -> InitWeights.HOULSBY;
            case "mam_adapter" -> InitWeights.MAM_ADAPTER;
            default -> throw f.error("init_weights", "is \"" + initName + "\"; AdapterHub's are bert, houlsby and mam_adapter");
        };
        Integer initSeed = f.has("init_weights_seed") ? f.integer("init_weights_seed", 0) : null;
        double dropout = f.number("dropout", 0.0);
        if (!(dropout >= 0 && dropout < 1)) {
            throw f.error("dropout", "must be in [0, 1), got " + dropout);
        }
        double scaling = f.number("scaling", 1.0);
        if (!Double.isFinite(scaling)) {
            throw f.error("scaling", "must be a finite number, got " + scaling);
        }
        BottleneckConfig config = new BottleneckConfig(name, f.bool("mh_adapter", defaults.mhAdapter()),
                f.bool("output_adapter", defaults.outputAdapter()), f.bool("cross_adapter", false), rf, act,
                f.bool("original_ln_before", defaults.originalLnBefore()), f.bool("residual_before_ln", true), init,
                initSeed, scaling, dropout);
        if (!config.mhAdapter() && !config.outputAdapter() && !config.crossAdapter()) {
            throw f.error("output_adapter", "is false, as are mh_adapter and cross_adapter: the adapter would have no location");
        }
        return config;
    }

    /** A positive number, or AdapterHub's per-layer mapping when it holds only "default". */
    private static double reductionFactor(ConfigFields f) {
        JsonNode n = f.raw("reduction_factor");
        if (n != null && n.isObject()) {
            JsonNode only = n.get("default");
            if (only == null || n.size() != 1 || !only.isNumber()) {
                throw f.error("reduction_factor", "maps layers to factors (" + ConfigFields.shown(n) + "); lora4j supports one "
                        + "factor for every layer (a number, or {\"default\": n})");
            }
            n = only;
        } else if (n != null && !n.isNull() && !n.isNumber()) {
            throw f.error("reduction_factor", "must be a number, got " + ConfigFields.shown(n));
        }
        double rf = n == null || n.isNull() ? 16 : n.doubleValue();
        if (!(rf > 0) || Double.isInfinite(rf)) {
            throw f.error("reduction_factor", "must be a positive number, got " + rf);
        }
        return rf;
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof BottleneckConfig bn)) {
            throw new Lora4jException("bottleneck", "not a bottleneck adapter config: " + config);
        }
        return BottleneckAdapter.attach(model, bn, seed);
    }
}
