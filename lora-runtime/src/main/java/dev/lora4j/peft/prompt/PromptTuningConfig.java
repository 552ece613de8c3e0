package dev.lora4j.peft.prompt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;

/**
 * Prompt tuning settings, PEFT's {@code PromptTuningConfig} field by field.
 *
 * @param numVirtualTokens          P, the virtual tokens prepended to the encoder input
 * @param numTransformerSubmodules  1 or 2: the table has P · this many rows. PEFT writes 2 for
 *                                  seq2seq but its forward reads only the first P rows, so the other P
 *                                  are dead; lora4j reads both layouts and writes 1 (PEFT loads it and
 *                                  computes the same)
 * @param init                      how the table starts: RANDOM (N(0, 1)), SAMPLE_VOCAB (rows of the
 *                                  embedding matrix at random token ids), TEXT (the embeddings of a text's
 *                                  token ids, repeated cyclically)
 * @param initText                  the text for TEXT
 * @param tokenizerNameOrPath       the tokenizer directory for TEXT (a local path: nothing is downloaded)
 * @param tokenDim                  the model's d_model as the file says it (token_dim), or 0 when not given;
 *                                  a table for another width is refused when attaching
 */
public record PromptTuningConfig(int numVirtualTokens, int numTransformerSubmodules, Init init, String initText,
                                 String tokenizerNameOrPath, int tokenDim) implements MethodConfig {
    /** PEFT's {@code prompt_tuning_init} values. */
    public enum Init {
        /** Rows drawn from N(0, 1). */
        RANDOM,
        /** Rows of the embedding matrix at random token ids. */
        SAMPLE_VOCAB,
        /** The embeddings of the init text's token ids, repeated cyclically. */
        TEXT
    }

    /**
     * Validates the settings.
     *
     * @throws Lora4jException if numVirtualTokens is below 1, numTransformerSubmodules is not 1 or 2, or
     *         TEXT init lacks its text or tokenizer
     */
    public PromptTuningConfig {
        if (numVirtualTokens < 1) {
            throw new Lora4jException("prompt tuning", "num_virtual_tokens must be at least 1, got " + numVirtualTokens);
        }
        if (numTransformerSubmodules != 1 && numTransformerSubmodules != 2) {
            throw new Lora4jException("prompt tuning", "num_transformer_submodules must be 1 or 2, got " + numTransformerSubmodules);
        }
        if (init == Init.TEXT && (initText == null || initText.isEmpty() || tokenizerNameOrPath == null)) {
            throw new Lora4jException("prompt tuning",
                    "prompt_tuning_init TEXT needs prompt_tuning_init_text and tokenizer_name_or_path");
        }
    }

    /**
     * Settings for a new prompt, the width taken from the model it attaches to (one submodule).
     *
     * @param numVirtualTokens    P, the virtual tokens prepended to the encoder input; at least 1
     * @param init                how the table starts
     * @param initText            the text for TEXT, or null
     * @param tokenizerNameOrPath the local tokenizer directory for TEXT, or null
     */
    public PromptTuningConfig(int numVirtualTokens, Init init, String initText, String tokenizerNameOrPath) {
        this(numVirtualTokens, 1, init, initText, tokenizerNameOrPath, 0);
    }

    /**
     * The table's rows: P · num_transformer_submodules.
     *
     * @return the number of rows of the prompt table
     */
    public int tableRows() {
        return numVirtualTokens * numTransformerSubmodules;
    }

    @Override
    public PeftMethod method() {
        return PromptTuningMethod.INSTANCE;
    }

    /** PEFT's fields; token_dim, num_attention_heads and num_layers come from the model (see the adapter). */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", PromptTuningMethod.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.put("num_virtual_tokens", numVirtualTokens);
        o.put("num_transformer_submodules", numTransformerSubmodules);
        o.put("prompt_tuning_init", init.name());
        if (initText == null) {
            o.putNull("prompt_tuning_init_text");
        } else {
            o.put("prompt_tuning_init_text", initText);
        }
        if (tokenizerNameOrPath == null) {
            o.putNull("tokenizer_name_or_path");
        } else {
            o.put("tokenizer_name_or_path", tokenizerNameOrPath);
        }
        o.putNull("tokenizer_kwargs");
        o.putNull("modules_to_save");
        o.put("inference_mode", true);
        return o;
    }
}
