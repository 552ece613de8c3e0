package dev.lora4j.peft.prefix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigFields;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.ConfigOption.Type;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.t5.T5ForConditionalGeneration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Prefix tuning in the paper's form (Li and Liang 2021), as AdapterHub's {@code adapters} computes it on T5:
 * prefixes at the encoder's self-attention, the decoder's self-attention and cross-attention, per layer,
 * through an MLP. PEFT's prefix tuning ({@code --method prefix-tuning}) is the decoder's self-attention
 * only with PEFT's slot mapping; no PEFT file can express this one, so its files are AdapterHub's
 * (adapter_config.json with "architecture": "prefix_tuning", adapter.safetensors with the pool's keys).
 */
public final class PaperPrefixMethod implements PeftMethod {
    /** The registry type of AdapterHub's prefix-tuning configs. */
    public static final String TYPE = "adapters:prefix_tuning";
    /** AdapterHub's weights file name (save_adapter with use_safetensors=True). */
    public static final String WEIGHTS_FILE = "adapter.safetensors";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final PaperPrefixMethod INSTANCE = new PaperPrefixMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public PaperPrefixMethod() {}

    static final Set<String> NON_LINEARITIES = Set.of("tanh", "relu", "gelu", "gelu_new", "swish", "silu");

    @Override
    public String peftType() {
        return TYPE;
    }

    @Override
    public String name() {
        return "prefix-tuning-paper";
    }

    @Override
    public String description() {
        return "prefix tuning as the paper and AdapterHub: encoder, decoder and cross-attention prefixes per layer, "
                + "through an MLP";
    }

    @Override
    public String weightsFile() {
        return WEIGHTS_FILE;
    }

    @Override
    public List<ConfigOption> options() {
        PaperPrefixConfig d = PaperPrefixConfig.defaults();
        return List.of(
                new ConfigOption(List.of("--prefix-length"), "prefix_length", Type.INT, "P", String.valueOf(d.prefixLength()),
                        "prefix length at every attention"),
                new ConfigOption(List.of("--prefix-bottleneck"), "bottleneck_size", Type.INT, "N",
                        String.valueOf(d.bottleneckSize()), "hidden width of the prefix MLP"),
                new ConfigOption(List.of("--non-linearity"), "non_linearity", Type.STRING, "NAME", d.nonLinearity(),
                        "activation (prefix MLP: tanh, relu, gelu, gelu_new, swish)"),
                new ConfigOption(List.of("--prefix-dropout"), "dropout", Type.NUMBER, "P", "0.0",
                        "dropout on the prefix keys and values while training"),
                new ConfigOption(List.of("--encoder-prefix"), "encoder_prefix", Type.STRING_OR_BOOLEAN, "true|false", "true",
                        "a prefix at the encoder's self-attention"),
                new ConfigOption(List.of("--cross-prefix"), "cross_prefix", Type.STRING_OR_BOOLEAN, "true|false", "true",
                        "a prefix at the decoder's cross-attention"),
                new ConfigOption(List.of("--prefix-flat"), "flat", Type.FLAG, null, null,
                        "train the keys and values directly, without the MLP"),
                new ConfigOption(List.of("--adapter-name"), "name", Type.STRING, "NAME", "default",
                        "the adapter's name in AdapterHub's tensor keys"));
    }

    /** Reads AdapterHub's adapter_config.json (fields under "config", name beside it) or the flat form. */
    @Override
    public PaperPrefixConfig readConfig(ObjectNode json, String source) {
        JsonNode inner = json.get("config");
        boolean file = inner != null && inner.isObject();
        ConfigFields f = new ConfigFields(file ? (ObjectNode) inner : json, source);
        ConfigFields top = new ConfigFields(json, source);
        if (file && !top.text("model_type", "t5").equals("t5")) {
            throw top.error("model_type", "is \"" + top.text("model_type", "") + "\": the adapter was made for another architecture");
        }
        String architecture = f.text("architecture", "prefix_tuning");
        if (!architecture.equals("prefix_tuning")) {
            throw f.error("architecture", "is \"" + architecture + "\", not prefix_tuning");
        }
        f.unsupported("use_gating", JsonNode::asBoolean, "gated prefixes (use_gating)");
        f.unsupported("leave_out", n -> !n.isArray() || !n.isEmpty(), "leaving layers out (leave_out)");
        PaperPrefixConfig d = PaperPrefixConfig.defaults();
        String name = (file ? top : f).text("name", d.name());
        if (!name.matches("[A-Za-z0-9_\\-]+")) {
            throw (file ? top : f).error("name", "must be letters, digits, '_' or '-' (it is part of every tensor key), got \""
                    + name + "\"");
        }
        int length = f.integer("prefix_length", d.prefixLength());
        if (length < 1) {
            throw f.error("prefix_length", "must be at least 1, got " + length);
        }
        int bottleneck = f.integer("bottleneck_size", d.bottleneckSize());
        if (bottleneck < 1) {
            throw f.error("bottleneck_size", "must be at least 1, got " + bottleneck);
        }
        String act = f.text("non_linearity", d.nonLinearity()).toLowerCase(Locale.ROOT);
        if (!NON_LINEARITIES.contains(act)) {
            throw f.error("non_linearity", "is \"" + act + "\"; lora4j computes " + String.join(", ",
                    NON_LINEARITIES.stream().sorted().toList()));
        }
        double dropout = f.number("dropout", 0.0);
        if (!(dropout >= 0 && dropout < 1)) {
            throw f.error("dropout", "must be in [0, 1), got " + dropout);
        }
        Integer seed = f.has("init_weights_seed") ? f.integer("init_weights_seed", 0) : null;
        return new PaperPrefixConfig(name, length, bottleneck, act, dropout, f.bool("encoder_prefix", true),
                f.bool("cross_prefix", true), f.bool("flat", false), seed);
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof PaperPrefixConfig paper)) {
            throw new Lora4jException("prefix tuning", "not a paper-mode prefix-tuning config: " + config);
        }
        return PaperPrefixAdapter.attach(model, paper, seed);
    }
}
