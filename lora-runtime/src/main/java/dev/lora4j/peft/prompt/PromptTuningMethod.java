package dev.lora4j.peft.prompt;

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
 * Prompt tuning (PEFT's PROMPT_TUNING, Lester et al. 2021): P trainable embeddings prepended to the
 * encoder's input, the attention mask extended; the decoder is untouched. Attaches through the model's
 * input hook.
 */
public final class PromptTuningMethod implements PeftMethod {
    /** Prompt tuning's peft_type in adapter_config.json. */
    public static final String PEFT_TYPE = "PROMPT_TUNING";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final PromptTuningMethod INSTANCE = new PromptTuningMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public PromptTuningMethod() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "prompt-tuning";
    }

    @Override
    public String description() {
        return "prompt tuning: trainable virtual tokens prepended to the encoder input (PEFT's PromptTuningConfig)";
    }

    @Override
    public List<ConfigOption> options() {
        return List.of(
                new ConfigOption(List.of("--num-virtual-tokens"), "num_virtual_tokens", Type.INT, "P", "20",
                        "virtual tokens prepended to the encoder input"),
                new ConfigOption(List.of("--prompt-tuning-init"), "prompt_tuning_init", Type.STRING, "INIT", "RANDOM",
                        "RANDOM (N(0,1)), SAMPLE_VOCAB (embeddings of random token ids) or TEXT"),
                new ConfigOption(List.of("--prompt-tuning-init-text"), "prompt_tuning_init_text", Type.STRING, "TEXT", null,
                        "the text whose token embeddings start the prompt (TEXT init)"),
                new ConfigOption(List.of("--tokenizer-name-or-path"), "tokenizer_name_or_path", Type.STRING, "DIR", null,
                        "tokenizer directory for the TEXT init"),
                new ConfigOption(List.of("--num-transformer-submodules"), "num_transformer_submodules", Type.INT, "N", "1",
                        "table rows per virtual token: 1 (lora4j) or 2 (PEFT's seq2seq default, half of it unused)"));
    }

    @Override
    public PromptTuningConfig readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        if (!f.has("num_virtual_tokens")) {
            throw f.error("num_virtual_tokens", "is missing");
        }
        int p = f.integer("num_virtual_tokens", 0);
        if (p < 1) {
            throw f.error("num_virtual_tokens", "must be at least 1, got " + p);
        }
        int nts = f.integer("num_transformer_submodules", 1);
        if (nts != 1 && nts != 2) {
            throw f.error("num_transformer_submodules", "must be 1 or 2, got " + nts);
        }
        String initName = f.text("prompt_tuning_init", "RANDOM");
        PromptTuningConfig.Init init;
        try {
            init = PromptTuningConfig.Init.valueOf(initName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw f.error("prompt_tuning_init", "must be RANDOM, SAMPLE_VOCAB or TEXT, got \"" + initName + "\"");
        }
        String text = f.text("prompt_tuning_init_text", null);
        String tokenizer = f.text("tokenizer_name_or_path", null);
        if (init == PromptTuningConfig.Init.TEXT) {
            if (text == null || text.isEmpty()) {
                throw f.error("prompt_tuning_init_text", "is needed for prompt_tuning_init TEXT");
            }
            if (tokenizer == null) {
                throw f.error("tokenizer_name_or_path", "is needed for prompt_tuning_init TEXT (a tokenizer directory)");
            }
        }
        f.unsupported("modules_to_save", n -> !n.isArray() || !n.isEmpty(), "modules_to_save with prompt tuning");
        int tokenDim = f.integer("token_dim", 0);
        return new PromptTuningConfig(p, nts, init, text, tokenizer, tokenDim);
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof PromptTuningConfig prompt)) {
            throw new Lora4jException("prompt tuning", "not a prompt tuning config: " + config);
        }
        return PromptTuningAdapter.attach(model, prompt, seed);
    }
}
