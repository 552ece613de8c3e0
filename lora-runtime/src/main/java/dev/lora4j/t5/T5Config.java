package dev.lora4j.t5;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * The architecture of a T5 model, as in a Hugging Face {@code config.json} for
 * {@code T5ForConditionalGeneration}. Parsing follows transformers' {@code T5Config}:
 * <ul>
 *   <li>{@code feed_forward_proj} is {@code "ACT"} or {@code "gated-ACT"}: "relu" is T5 v1.0, "gated-gelu" is
 *       T5 v1.1 / FLAN-T5. {@code dense_act_fn} is the part after the dash, except that "gated-gelu" means
 *       "gelu_new" (the tanh approximation) for backwards compatibility; {@code is_gated_act} says whether
 *       the FFN has the extra wi_0/wi_1 gate. Like transformers, explicit {@code dense_act_fn} /
 *       {@code is_gated_act} entries in the file override the derived values.</li>
 *   <li>{@code num_decoder_layers} defaults to {@code num_layers}.</li>
 *   <li>{@code scale_decoder_outputs} (multiply the decoder output by d_model^-0.5 before lm_head, T5 v1.0
 *       only) is the file's value if present (transformers 5 writes it), else {@code tie_word_embeddings}.</li>
 * </ul>
 * Unlike transformers, the size fields have no defaults: a config.json without d_model is broken, and
 * silently building a 512-wide model from it would hide that. {@code d_model != num_heads * d_kv} is
 * legal in T5 (the attention projects to num_heads * d_kv and back), so it is not rejected.
 *
 * <p>About {@code tieWordEmbeddings}: this is the value in the file (default true). transformers 5 forces
 * it to true for every T5 and decides tying from the checkpoint instead (an lm_head.weight that differs
 * from shared.weight stays untied). Loaders should do the same: use lm_head.weight when present.
 *
 * @param vocabSize                    {@code vocab_size}: rows of the embedding and of the head's output
 * @param dModel                       {@code d_model}: the width of the residual stream
 * @param dKv                          {@code d_kv}: the width of one attention head
 * @param dFf                          {@code d_ff}: the hidden width of the feed-forward sublayer
 * @param numLayers                    {@code num_layers}: blocks in the encoder
 * @param numDecoderLayers             {@code num_decoder_layers}: blocks in the decoder
 * @param numHeads                     {@code num_heads}: attention heads per attention
 * @param relativeAttentionNumBuckets  {@code relative_attention_num_buckets}: position-bias buckets; at least 4
 * @param relativeAttentionMaxDistance {@code relative_attention_max_distance}: the distance from which all
 *                                     distances share the last bucket
 * @param dropoutRate                  {@code dropout_rate}: the dropout probability in training, in [0, 1)
 * @param layerNormEpsilon             {@code layer_norm_epsilon}: the RMS norm's epsilon; positive
 * @param initializerFactor            {@code initializer_factor}: the scale of freshly initialised weights; positive
 * @param feedForwardProj              {@code feed_forward_proj}: {@code "ACT"} or {@code "gated-ACT"}
 * @param denseActFn                   {@code dense_act_fn}: the FFN activation, one of {@link #SUPPORTED_ACTIVATIONS}
 * @param isGatedAct                   {@code is_gated_act}: whether the FFN has the wi_0/wi_1 gate
 * @param tieWordEmbeddings            {@code tie_word_embeddings} as written in the file (see above)
 * @param scaleDecoderOutputs          {@code scale_decoder_outputs}: whether the decoder output is multiplied
 *                                     by d_model^-0.5 before the head
 * @param isEncoderDecoder             {@code is_encoder_decoder}, written back as read (true for T5)
 * @param padTokenId                   {@code pad_token_id}, in [0, vocabSize)
 * @param eosTokenId                   {@code eos_token_id}, in [0, vocabSize)
 * @param decoderStartTokenId          {@code decoder_start_token_id}: the first decoder input, in [0, vocabSize)
 */
public record T5Config(
        int vocabSize,
        int dModel,
        int dKv,
        int dFf,
        int numLayers,
        int numDecoderLayers,
        int numHeads,
        int relativeAttentionNumBuckets,
        int relativeAttentionMaxDistance,
        double dropoutRate,
        double layerNormEpsilon,
        double initializerFactor,
        String feedForwardProj,
        String denseActFn,
        boolean isGatedAct,
        boolean tieWordEmbeddings,
        boolean scaleDecoderOutputs,
        boolean isEncoderDecoder,
        int padTokenId,
        int eosTokenId,
        int decoderStartTokenId) {

    /** Activations the runtime implements (names as in transformers' ACT2FN). */
    public static final Set<String> SUPPORTED_ACTIVATIONS = Set.of("relu", "gelu", "gelu_new", "silu");

    /**
     * Checks sizes, rates, the activation and token ids; a bad value is reported with its config.json name.
     *
     * @param vocabSize                    rows of the embedding; positive
     * @param dModel                       the residual width; positive
     * @param dKv                          the head width; positive
     * @param dFf                          the FFN hidden width; positive
     * @param numLayers                    encoder blocks; positive
     * @param numDecoderLayers             decoder blocks; positive
     * @param numHeads                     attention heads; positive
     * @param relativeAttentionNumBuckets  position-bias buckets; at least 4
     * @param relativeAttentionMaxDistance the largest distinguished distance; positive
     * @param dropoutRate                  the dropout probability, in [0, 1)
     * @param layerNormEpsilon             the norm's epsilon; positive and finite
     * @param initializerFactor            the initialisation scale; positive and finite
     * @param feedForwardProj              {@code "ACT"} or {@code "gated-ACT"}; not null
     * @param denseActFn                   one of {@link #SUPPORTED_ACTIVATIONS}; not null
     * @param isGatedAct                   whether the FFN is gated
     * @param tieWordEmbeddings            the file's tie_word_embeddings
     * @param scaleDecoderOutputs          whether to rescale the decoder output before the head
     * @param isEncoderDecoder             the file's is_encoder_decoder
     * @param padTokenId                   the pad token, in [0, vocabSize)
     * @param eosTokenId                   the end-of-sequence token, in [0, vocabSize)
     * @param decoderStartTokenId          the decoder's start token, in [0, vocabSize)
     * @throws Lora4jException when a value is out of range or the activation is not supported
     */
    public T5Config {
        Objects.requireNonNull(feedForwardProj, "feedForwardProj");
        Objects.requireNonNull(denseActFn, "denseActFn");
        positive("vocab_size", vocabSize);
        positive("d_model", dModel);
        positive("d_kv", dKv);
        positive("d_ff", dFf);
        positive("num_layers", numLayers);
        positive("num_decoder_layers", numDecoderLayers);
        positive("num_heads", numHeads);
        positive("relative_attention_num_buckets", relativeAttentionNumBuckets);
        // The encoder halves the buckets per direction and half of those hold exact distances: below 4
        // no bucket holds an exact distance and the log-spaced formula divides by zero.
        if (relativeAttentionNumBuckets < 4) {
            throw invalid("\"relative_attention_num_buckets\" must be at least 4, got " + relativeAttentionNumBuckets);
        }
        positive("relative_attention_max_distance", relativeAttentionMaxDistance);
        if (!(dropoutRate >= 0 && dropoutRate < 1)) {
            throw invalid("dropout_rate must be in [0, 1), got " + dropoutRate);
        }
        if (!(layerNormEpsilon > 0) || Double.isInfinite(layerNormEpsilon)) {
            throw invalid("layer_norm_epsilon must be positive and finite, got " + layerNormEpsilon);
        }
        if (!(initializerFactor > 0) || Double.isInfinite(initializerFactor)) {
            throw invalid("initializer_factor must be positive and finite, got " + initializerFactor);
        }
        splitFeedForwardProj(feedForwardProj); // validates the "ACT" / "gated-ACT" form
        if (!SUPPORTED_ACTIVATIONS.contains(denseActFn)) {
            throw invalid("unsupported activation \"" + denseActFn + "\" (from feed_forward_proj \"" + feedForwardProj
                    + "\"); supported: relu, gelu, gelu_new, silu");
        }
        tokenId("pad_token_id", padTokenId, vocabSize);
        tokenId("eos_token_id", eosTokenId, vocabSize);
        tokenId("decoder_start_token_id", decoderStartTokenId, vocabSize);
    }

    /**
     * Parses a config.json file.
     *
     * @param configJson the file to read
     * @return the configuration it describes
     * @throws Lora4jException when the file cannot be read or is not a valid T5 config; the message names the file
     */
    public static T5Config load(Path configJson) {
        try {
            return parse(Files.readString(configJson, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Lora4jException("t5 config", configJson + ": cannot read: " + e.getMessage(), e);
        } catch (Lora4jException e) {
            // Same error, now naming the file: op() is the prefix Lora4jException puts before the message.
            String message = e.getMessage().substring(e.op().length() + 2);
            throw new Lora4jException("t5 config", configJson + ": " + message, e);
        }
    }

    /**
     * Parses config.json text. Throws {@link Lora4jException} naming the offending field.
     *
     * @param json the file's content, a JSON object with {@code "model_type": "t5"}
     * @return the configuration it describes, with transformers' defaults for absent optional fields
     */
    public static T5Config parse(String json) {
        JsonNode root;
        try {
            root = StrictJson.parse(json);
        } catch (JsonProcessingException e) {
            throw invalid("not valid JSON: " + e.getOriginalMessage());
        }
        if (!root.isObject()) {
            throw invalid("config must be a JSON object");
        }
        JsonNode modelType = root.get("model_type");
        if (modelType == null || !modelType.isTextual()) {
            throw invalid("missing \"model_type\" (expected \"t5\")");
        }
        if (!modelType.textValue().equals("t5")) {
            // mt5/umt5/longt5 differ in layout or attention and need their own code, not a T5 with their numbers.
            throw invalid("model_type \"" + modelType.textValue() + "\" is not supported; lora4j implements \"t5\" "
                    + "(T5 v1.0, T5 v1.1, FLAN-T5)");
        }
        int numLayers = requiredInt(root, "num_layers");
        String proj = optionalString(root, "feed_forward_proj", "relu");
        String[] act = splitFeedForwardProj(proj);
        String derivedAct = proj.equals("gated-gelu") ? "gelu_new" : act[act.length - 1];
        boolean derivedGated = act[0].equals("gated");
        boolean tie = optionalBoolean(root, "tie_word_embeddings", true);
        int pad = optionalInt(root, "pad_token_id", 0);
        return new T5Config(
                requiredInt(root, "vocab_size"),
                requiredInt(root, "d_model"),
                requiredInt(root, "d_kv"),
                requiredInt(root, "d_ff"),
                numLayers,
                optionalInt(root, "num_decoder_layers", numLayers),
                requiredInt(root, "num_heads"),
                optionalInt(root, "relative_attention_num_buckets", 32),
                optionalInt(root, "relative_attention_max_distance", 128),
                optionalDouble(root, "dropout_rate", 0.1),
                optionalDouble(root, "layer_norm_epsilon", 1e-6),
                optionalDouble(root, "initializer_factor", 1.0),
                proj,
                optionalString(root, "dense_act_fn", derivedAct),
                optionalBoolean(root, "is_gated_act", derivedGated),
                tie,
                optionalBoolean(root, "scale_decoder_outputs", tie),
                optionalBoolean(root, "is_encoder_decoder", true),
                pad,
                optionalInt(root, "eos_token_id", 1),
                // T5 starts decoding from the pad token; configs usually say so explicitly.
                optionalInt(root, "decoder_start_token_id", pad));
    }

    /**
     * The attention's inner width, num_heads × d_kv (not necessarily d_model).
     *
     * @return numHeads × dKv
     */
    public int innerDim() {
        return numHeads * dKv;
    }

    /**
     * A config.json that transformers' {@code T5ForConditionalGeneration.from_pretrained} reads back to
     * this configuration. Keys sorted and indented like transformers' own output.
     *
     * @return the JSON text, ending with a newline
     */
    public String toJson() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.putArray("architectures").add("T5ForConditionalGeneration");
        o.put("d_ff", dFf);
        o.put("d_kv", dKv);
        o.put("d_model", dModel);
        o.put("decoder_start_token_id", decoderStartTokenId);
        o.put("dense_act_fn", denseActFn);
        o.put("dropout_rate", dropoutRate);
        o.put("eos_token_id", eosTokenId);
        o.put("feed_forward_proj", feedForwardProj);
        o.put("initializer_factor", initializerFactor);
        o.put("is_encoder_decoder", isEncoderDecoder);
        o.put("is_gated_act", isGatedAct);
        o.put("layer_norm_epsilon", layerNormEpsilon);
        o.put("model_type", "t5");
        o.put("num_decoder_layers", numDecoderLayers);
        o.put("num_heads", numHeads);
        o.put("num_layers", numLayers);
        o.put("pad_token_id", padTokenId);
        o.put("relative_attention_max_distance", relativeAttentionMaxDistance);
        o.put("relative_attention_num_buckets", relativeAttentionNumBuckets);
        // Both, so transformers 4 (reads tie_word_embeddings) and 5 (reads scale_decoder_outputs) agree.
        o.put("scale_decoder_outputs", scaleDecoderOutputs);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("vocab_size", vocabSize);
        try {
            // transformers' layout (json.dumps(indent=2)): "key": value, arrays one element per line, "\n" line ends.
            DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
            DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            printer.indentObjectsWith(indenter);
            printer.indentArraysWith(indenter);
            return StrictJson.mapper().writer(printer).writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e); // cannot happen for a tree of scalars
        }
    }

    /** Splits "ACT" / "gated-ACT" as transformers' validate_architecture does, rejecting other forms. */
    private static String[] splitFeedForwardProj(String proj) {
        String[] parts = proj.split("-", -1);
        if ((parts.length > 1 && !parts[0].equals("gated")) || parts.length > 2 || parts[parts.length - 1].isEmpty()) {
            throw invalid("feed_forward_proj \"" + proj + "\" is not \"ACT\" or \"gated-ACT\" (e.g. \"relu\", \"gated-gelu\")");
        }
        return parts;
    }

    private static int requiredInt(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw invalid("missing required field \"" + field + "\"");
        }
        return intValue(field, n);
    }

    private static int optionalInt(JsonNode root, String field, int fallback) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? fallback : intValue(field, n);
    }

    private static int intValue(String field, JsonNode n) {
        // 512.0 is refused as transformers' strict config refuses it: a float size is a broken file.
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw invalid("\"" + field + "\" must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static double optionalDouble(JsonNode root, String field, double fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw invalid("\"" + field + "\" must be a number, got " + n);
        }
        return n.doubleValue();
    }

    private static boolean optionalBoolean(JsonNode root, String field, boolean fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw invalid("\"" + field + "\" must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static String optionalString(JsonNode root, String field, String fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw invalid("\"" + field + "\" must be a string, got " + n);
        }
        return n.textValue();
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw invalid("\"" + field + "\" must be positive, got " + value);
        }
    }

    private static void tokenId(String field, int value, int vocabSize) {
        if (value < 0 || value >= vocabSize) {
            throw invalid("\"" + field + "\" = " + value + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    private static Lora4jException invalid(String message) {
        return new Lora4jException("t5 config", message);
    }
}
