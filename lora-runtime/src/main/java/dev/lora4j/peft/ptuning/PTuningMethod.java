package dev.lora4j.peft.ptuning;

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

/**
 * P-tuning (PEFT's P_TUNING, Liu et al. 2021): virtual tokens as prompt tuning has them, but produced by a
 * trainable encoder (an MLP, or a bidirectional LSTM and an MLP) from a trainable table. PEFT's file holds
 * only the encoder's output; lora4j's checkpoints also hold the encoder, so training resumes (PEFT cannot).
 */
public final class PTuningMethod implements PeftMethod {
    /** P-tuning's peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "P_TUNING";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final PTuningMethod INSTANCE = new PTuningMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public PTuningMethod() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "p-tuning";
    }

    @Override
    public String description() {
        return "P-tuning: virtual tokens from a trainable MLP or LSTM prompt encoder (PEFT's PromptEncoderConfig)";
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--num-virtual-tokens"), "num_virtual_tokens", Type.INT, "P", "20",
                        "virtual tokens prepended to the encoder input"),
                new ConfigOption(List.of("--encoder-reparameterization-type"), "encoder_reparameterization_type", Type.STRING,
                        "TYPE", "MLP", "the prompt encoder: MLP or LSTM"),
                new ConfigOption(List.of("--encoder-hidden-size"), "encoder_hidden_size", Type.INT, "H", null,
                        "hidden width of the prompt encoder (default: d_model)"),
                new ConfigOption(List.of("--encoder-num-layers"), "encoder_num_layers", Type.INT, "N", "2", "LSTM layers"),
                new ConfigOption(List.of("--encoder-dropout"), "encoder_dropout", Type.NUMBER, "P", "0", "LSTM dropout between layers"));
    }

    @Override
    public PTuningConfig readConfig(ObjectNode json, String source) {
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
        String typeName = f.text("encoder_reparameterization_type", "MLP");
        PTuningConfig.Reparameterization type;
        try {
            type = PTuningConfig.Reparameterization.valueOf(typeName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw f.error("encoder_reparameterization_type", "must be MLP or LSTM, got \"" + typeName + "\"");
        }
        int hidden = f.integer("encoder_hidden_size", 0);
        int layers = f.integer("encoder_num_layers", 2);
        double dropout = f.number("encoder_dropout", 0.0);
        if (hidden < 0) {
            throw f.error("encoder_hidden_size", "must be positive, got " + hidden);
        }
        if (layers < 1) {
            throw f.error("encoder_num_layers", "must be at least 1, got " + layers);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw f.error("encoder_dropout", "must be at least 0.0 and below 1.0, got " + dropout);
        }
        f.unsupported("modules_to_save", n -> !n.isArray() || !n.isEmpty(), "modules_to_save with P-tuning");
        return new PTuningConfig(p, nts, type, hidden, layers, dropout, false);
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof PTuningConfig ptuning)) {
            throw new Lora4jException("p-tuning", "not a P-tuning config: " + config);
        }
        return PTuningAdapter.attach(model, ptuning, seed);
    }
}
