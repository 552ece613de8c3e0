package dev.lora4j.peft.prefix;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;

/**
 * Prefix tuning settings, PEFT's {@code PrefixTuningConfig} field by field (the "peft" mode: what PEFT does
 * on T5, see docs/PROMPT_LEARNING.md).
 *
 * @param numVirtualTokens         P, prefix positions per attention
 * @param numTransformerSubmodules 1 or 2, as PEFT's seq2seq default (2); it decides PEFT's slot mapping
 * @param prefixProjection         train the table through an MLP (embedding (P, token_dim) → Linear → tanh →
 *                                 Linear); the file holds the MLP's output either way
 * @param encoderHiddenSize        the MLP's hidden width (0: token_dim, PEFT's default)
 * @param zeroInit                 PEFT's {@code init_weights: "zero"} (the table, or the MLP's last layer, zero)
 * @param tokenDim                 the width of a slot, heads · d_kv (0: from the model). PEFT takes d_model,
 *                                 which is wrong for FLAN-T5-small (6 · 64 ≠ 512: PEFT issue 385)
 * @param numLayers                L, the slots count 2L (0: the model's encoder layer count, as PEFT)
 * @param savedTable               attach the table as a plain tensor even with prefix_projection: the file
 *                                 holds the MLP's output (see {@link #forSavedTensors()}); not a file field
 */
public record PrefixTuningConfig(int numVirtualTokens, int numTransformerSubmodules, boolean prefixProjection,
                                 int encoderHiddenSize, boolean zeroInit, int tokenDim, int numLayers, boolean savedTable)
        implements MethodConfig {
    /**
     * Validates the token counts.
     *
     * @throws Lora4jException if numVirtualTokens is below 1 or numTransformerSubmodules is not 1 or 2
     */
    public PrefixTuningConfig {
        if (numVirtualTokens < 1) {
            throw new Lora4jException("prefix tuning", "num_virtual_tokens must be at least 1, got " + numVirtualTokens);
        }
        if (numTransformerSubmodules != 1 && numTransformerSubmodules != 2) {
            throw new Lora4jException("prefix tuning", "num_transformer_submodules must be 1 or 2, got " + numTransformerSubmodules);
        }
    }

    /**
     * PEFT's defaults for a new prefix of P tokens (two submodules, no projection).
     *
     * @param numVirtualTokens P, prefix positions per attention; at least 1
     * @return the config
     */
    public static PrefixTuningConfig of(int numVirtualTokens) {
        return new PrefixTuningConfig(numVirtualTokens, 2, false, 0, false, 0, 0, false);
    }

    /**
     * A copy that trains the table through the MLP (prefix_projection).
     *
     * @param hiddenSize the MLP's hidden width, or 0 for token_dim
     * @return the new config
     */
    public PrefixTuningConfig withProjection(int hiddenSize) {
        return new PrefixTuningConfig(numVirtualTokens, numTransformerSubmodules, true, hiddenSize, zeroInit, tokenDim, numLayers,
                savedTable);
    }

    /** Loaded from a file, the table is the MLP's output and attaches as a plain tensor (PEFT's inference mode). */
    @Override
    public PrefixTuningConfig forSavedTensors() {
        return new PrefixTuningConfig(numVirtualTokens, numTransformerSubmodules, prefixProjection, encoderHiddenSize, zeroInit,
                tokenDim, numLayers, true);
    }

    /**
     * Whether the table is trained through the MLP here.
     *
     * @return true with prefix_projection, unless the table was attached from a file
     */
    public boolean trainsThroughProjection() {
        return prefixProjection && !savedTable;
    }

    @Override
    public PeftMethod method() {
        return PrefixTuningMethod.INSTANCE;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("peft_type", PrefixTuningMethod.PEFT_TYPE);
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.put("num_virtual_tokens", numVirtualTokens);
        o.put("num_transformer_submodules", numTransformerSubmodules);
        o.put("prefix_projection", prefixProjection);
        if (encoderHiddenSize > 0) {
            o.put("encoder_hidden_size", encoderHiddenSize);
        } else {
            o.putNull("encoder_hidden_size");
        }
        if (zeroInit) {
            o.put("init_weights", "zero");
        } else {
            o.putNull("init_weights");
        }
        if (tokenDim > 0) {
            o.put("token_dim", tokenDim);
        }
        if (numLayers > 0) {
            o.put("num_layers", numLayers);
        }
        o.putNull("modules_to_save");
        o.put("inference_mode", true);
        return o;
    }
}
