package dev.lora4j.peft.prefix;

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

/**
 * Prefix tuning as PEFT does it on T5 (PEFT's PREFIX_TUNING): P trainable keys and values in front of
 * every decoder self-attention, through the model's prefix hook, with PEFT's slot mapping; the files move
 * both ways. (The encoder and cross-attention get no prefix in PEFT; see docs/PROMPT_LEARNING.md.)
 */
public final class PrefixTuningMethod implements PeftMethod {
    /** Prefix tuning's peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "PREFIX_TUNING";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final PrefixTuningMethod INSTANCE = new PrefixTuningMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public PrefixTuningMethod() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "prefix-tuning";
    }

    @Override
    public String description() {
        return "prefix tuning: trainable keys/values before the decoder's self-attention (PEFT's PrefixTuningConfig)";
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--num-virtual-tokens"), "num_virtual_tokens", Type.INT, "P", "20",
                        "virtual tokens (prefix positions)"),
                new ConfigOption(List.of("--prefix-projection"), "prefix_projection", Type.FLAG, null, null,
                        "train the prefix through an MLP (PEFT's prefix_projection)"),
                new ConfigOption(List.of("--encoder-hidden-size"), "encoder_hidden_size", Type.INT, "H", null,
                        "hidden width of the prefix MLP (default: heads x d_kv)"),
                new ConfigOption(List.of("--prefix-init"), "init_weights", Type.STRING, "INIT", null,
                        "zero: start from a zero prefix (or zero last MLP layer); default N(0,1) as PEFT"));
    }

    @Override
    public PrefixTuningConfig readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        if (!f.has("num_virtual_tokens")) {
            throw f.error("num_virtual_tokens", "is missing");
        }
        int p = f.integer("num_virtual_tokens", 0);
        if (p < 1) {
            throw f.error("num_virtual_tokens", "must be at least 1, got " + p);
        }
        int nts = f.integer("num_transformer_submodules", 2);
        if (nts != 1 && nts != 2) {
            throw f.error("num_transformer_submodules", "must be 1 or 2, got " + nts);
        }
        boolean projection = f.bool("prefix_projection", false);
        int hidden = f.integer("encoder_hidden_size", 0);
        if (hidden < 0) {
            throw f.error("encoder_hidden_size", "must be positive, got " + hidden);
        }
        String init = f.text("init_weights", null);
        if (init != null && !init.equals("zero")) {
            throw f.error("init_weights", "must be null or \"zero\", got \"" + init + "\"");
        }
        int tokenDim = f.integer("token_dim", 0);
        int layers = f.integer("num_layers", 0);
        if (tokenDim < 0 || layers < 0) {
            throw f.error(tokenDim < 0 ? "token_dim" : "num_layers", "must be positive");
        }
        f.unsupported("modules_to_save", n -> !n.isArray() || !n.isEmpty(), "modules_to_save with prefix tuning");
        return new PrefixTuningConfig(p, nts, projection, hidden, "zero".equals(init), tokenDim, layers, false);
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof PrefixTuningConfig prefix)) {
            throw new Lora4jException("prefix tuning", "not a prefix tuning config: " + config);
        }
        return PrefixTuningAdapter.attach(model, prefix, seed);
    }
}
