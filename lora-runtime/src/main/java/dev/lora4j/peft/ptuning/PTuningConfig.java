package dev.lora4j.peft.ptuning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;

/**
 * P-tuning settings, PEFT's {@code PromptEncoderConfig} field by field.
 *
 * @param numVirtualTokens         P, the virtual tokens prepended to the encoder input
 * @param numTransformerSubmodules 1 or 2 (PEFT's seq2seq default): the table has P · this many rows, and the
 *                                 LSTM runs over all of them, so the second half matters there
 * @param reparameterization       MLP or LSTM (PEFT's encoder_reparameterization_type)
 * @param hiddenSize               the encoder's hidden width (0: token_dim, PEFT's default)
 * @param numLayers                LSTM layers (PEFT's encoder_num_layers, 2; the MLP ignores it as PEFT does)
 * @param dropout                  LSTM dropout between layers (PEFT's encoder_dropout)
 * @param savedTable               attach the table from a file (the encoder's output) as a plain tensor
 */
public record PTuningConfig(int numVirtualTokens, int numTransformerSubmodules, Reparameterization reparameterization,
                            int hiddenSize, int numLayers, double dropout, boolean savedTable) implements MethodConfig {
    /** PEFT's {@code encoder_reparameterization_type} values. */
    public enum Reparameterization {
        /** A three-layer MLP (ReLU between) over the table. */
        MLP,
        /** A bidirectional LSTM over the table, then a two-layer MLP head, as PEFT's PromptEncoder. */
        LSTM
    }

    /**
     * Validates the token counts.
     *
     * @throws Lora4jException if numVirtualTokens is below 1 or numTransformerSubmodules is not 1 or 2
     */
    public PTuningConfig {
        if (numVirtualTokens < 1) {
            throw new Lora4jException("p-tuning", "num_virtual_tokens must be at least 1, got " + numVirtualTokens);
        }
        if (numTransformerSubmodules != 1 && numTransformerSubmodules != 2) {
            throw new Lora4jException("p-tuning", "num_transformer_submodules must be 1 or 2, got " + numTransformerSubmodules);
        }
    }

    /**
     * PEFT's defaults for P tokens (two submodules, hidden = token_dim, 2 layers, no dropout).
     *
     * @param numVirtualTokens P, the virtual tokens; at least 1
     * @param type             the encoder that produces the table
     * @return the config
     */
    public static PTuningConfig of(int numVirtualTokens, Reparameterization type) {
        return new PTuningConfig(numVirtualTokens, 2, type, 0, 2, 0.0, false);
    }

    /**
     * A copy with {@code hiddenSize} replaced.
     *
     * @param value the encoder's hidden width, or 0 for token_dim
     * @return the new config
     */
    public PTuningConfig withHiddenSize(int value) {
        return new PTuningConfig(numVirtualTokens, numTransformerSubmodules, reparameterization, value, numLayers, dropout, savedTable);
    }

    /**
     * The table's rows: P · num_transformer_submodules.
     *
     * @return the number of rows the encoder produces
     */
    public int tableRows() {
        return numVirtualTokens * numTransformerSubmodules;
    }

    @Override
    public PTuningConfig forSavedTensors() {
        return new PTuningConfig(numVirtualTokens, numTransformerSubmodules, reparameterization, hiddenSize, numLayers, dropout, true);
    }

    @Override
    public PeftMethod method() {
        return PTuningMethod.INSTANCE;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", PTuningMethod.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.put("num_virtual_tokens", numVirtualTokens);
        o.put("num_transformer_submodules", numTransformerSubmodules);
        o.put("encoder_reparameterization_type", reparameterization.name());
        if (hiddenSize > 0) {
            o.put("encoder_hidden_size", hiddenSize);
        } else {
            o.putNull("encoder_hidden_size");
        }
        o.put("encoder_num_layers", numLayers);
        o.put("encoder_dropout", dropout);
        o.putNull("modules_to_save");
        o.put("inference_mode", true);
        return o;
    }
}
