package dev.lora4j.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.Lora4jException;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json parsing, compared field by field with transformers 5.17's T5Config. */
class T5ConfigTest {
    @TempDir
    Path dir;

    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2, "num_heads": 2}
            """;

    /** Every shared FLAN-T5 config: the four architecture configs and flan-t5-small's own config.json. */
    private static List<Path> sharedConfigs() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(SharedData.path("flan-t5-configs"))) {
            s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(out::add);
        }
        out.add(SharedData.path("flan-t5-small/config.json"));
        assertEquals(5, out.size(), out.toString());
        return out;
    }

    // ------------------------------------------------------------------ against transformers

    /** Prints, per config file, what transformers' T5Config.from_pretrained makes of it. */
    private static final String PY_PARSE = """
            import sys, json
            from transformers import T5Config
            FIELDS = ["vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
                      "relative_attention_num_buckets", "relative_attention_max_distance", "dropout_rate",
                      "layer_norm_epsilon", "initializer_factor", "feed_forward_proj", "dense_act_fn", "is_gated_act",
                      "is_encoder_decoder", "pad_token_id", "eos_token_id", "decoder_start_token_id",
                      "scale_decoder_outputs", "tie_word_embeddings", "model_type"]
            out = {}
            for path in sys.argv[1:]:
                c = T5Config.from_pretrained(path)
                row = {f: getattr(c, f, None) for f in FIELDS}
                # transformers 5 forces tie_word_embeddings to True for T5; keep the file's value beside it.
                row["file_tie_word_embeddings"] = json.load(open(path)).get("tie_word_embeddings")
                out[path] = row
            print(json.dumps(out))
            """;

    @Test
    void matchesTransformersOnEveryConfig() throws Exception {
        List<Path> configs = new ArrayList<>(sharedConfigs());
        // Plus configs that exercise the defaults and the other activations.
        configs.add(write("minimal.json", TINY));
        configs.add(write("v1_0.json", """
                {"model_type": "t5", "vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6,
                 "num_heads": 8, "feed_forward_proj": "relu", "tie_word_embeddings": true, "dropout_rate": 0}"""));
        configs.add(write("gated_silu.json", """
                {"model_type": "t5", "vocab_size": 100, "d_model": 24, "d_kv": 5, "d_ff": 40, "num_layers": 3,
                 "num_decoder_layers": 1, "num_heads": 3, "feed_forward_proj": "gated-silu", "tie_word_embeddings": false,
                 "relative_attention_num_buckets": 16, "relative_attention_max_distance": 64, "layer_norm_epsilon": 1e-5,
                 "initializer_factor": 0.5, "pad_token_id": 3, "eos_token_id": 2, "decoder_start_token_id": 7}"""));
        configs.add(write("gelu.json", """
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
                 "num_heads": 2, "feed_forward_proj": "gelu", "num_decoder_layers": null}"""));
        configs.add(write("gated_relu.json", """
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
                 "num_heads": 2, "feed_forward_proj": "gated-relu"}"""));
        // Explicit dense_act_fn / is_gated_act override the ones derived from feed_forward_proj.
        configs.add(write("override.json", """
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
                 "num_heads": 2, "feed_forward_proj": "relu", "dense_act_fn": "gelu_new", "is_gated_act": true}"""));
        // Written by transformers 5: tie_word_embeddings true, scale_decoder_outputs false.
        configs.add(write("v5_written.json", """
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
                 "num_heads": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": true,
                 "scale_decoder_outputs": false}"""));

        String[] args = configs.stream().map(Path::toString).toArray(String[]::new);
        JsonNode report = StrictJson.parse(PythonReference.runSource(PY_PARSE, args));
        for (Path p : configs) {
            JsonNode py = report.get(p.toString());
            T5Config c = T5Config.load(p);
            String at = p.getFileName().toString();
            assertEquals(py.get("vocab_size").intValue(), c.vocabSize(), at);
            assertEquals(py.get("d_model").intValue(), c.dModel(), at);
            assertEquals(py.get("d_kv").intValue(), c.dKv(), at);
            assertEquals(py.get("d_ff").intValue(), c.dFf(), at);
            assertEquals(py.get("num_layers").intValue(), c.numLayers(), at);
            assertEquals(py.get("num_decoder_layers").intValue(), c.numDecoderLayers(), at);
            assertEquals(py.get("num_heads").intValue(), c.numHeads(), at);
            assertEquals(py.get("relative_attention_num_buckets").intValue(), c.relativeAttentionNumBuckets(), at);
            assertEquals(py.get("relative_attention_max_distance").intValue(), c.relativeAttentionMaxDistance(), at);
            assertEquals(py.get("dropout_rate").doubleValue(), c.dropoutRate(), at);
            assertEquals(py.get("layer_norm_epsilon").doubleValue(), c.layerNormEpsilon(), at);
            assertEquals(py.get("initializer_factor").doubleValue(), c.initializerFactor(), at);
            assertEquals(py.get("feed_forward_proj").textValue(), c.feedForwardProj(), at);
            assertEquals(py.get("dense_act_fn").textValue(), c.denseActFn(), at);
            assertEquals(py.get("is_gated_act").booleanValue(), c.isGatedAct(), at);
            assertEquals(py.get("is_encoder_decoder").booleanValue(), c.isEncoderDecoder(), at);
            assertEquals(py.get("pad_token_id").intValue(), c.padTokenId(), at);
            assertEquals(py.get("eos_token_id").intValue(), c.eosTokenId(), at);
            assertEquals(py.get("scale_decoder_outputs").booleanValue(), c.scaleDecoderOutputs(), at);
            assertEquals("t5", py.get("model_type").textValue(), at);
            // transformers has no decoder_start_token_id unless the file sets one; T5 then starts from pad.
            JsonNode start = py.get("decoder_start_token_id");
            assertEquals(start.isNull() ? c.padTokenId() : start.intValue(), c.decoderStartTokenId(), at);
            assertTrue(py.get("tie_word_embeddings").booleanValue(), "transformers 5 always reports true");
            JsonNode fileTie = py.get("file_tie_word_embeddings");
            assertEquals(fileTie.isNull() || fileTie.booleanValue(), c.tieWordEmbeddings(), at);
        }
    }

    @Test
    void flanT5SmallIsV11() throws IOException {
        T5Config c = T5Config.load(SharedData.path("flan-t5-small/config.json"));
        assertEquals(new T5Config(32128, 512, 64, 1024, 8, 8, 6, 32, 128, 0.1, 1e-6, 1.0, "gated-gelu", "gelu_new",
                true, false, false, true, 0, 1, 0), c);
        assertEquals(384, c.innerDim());
    }

    /**
     * Builds a model from each config.json we wrote, saves random weights next to it and loads it back
     * with from_pretrained: the config must load with no warnings-worth of missing or unexpected keys,
     * run a forward pass, and come back with our values.
     */
    private static final String PY_LOAD = """
            import sys, json, torch
            from safetensors.torch import save_model
            from transformers import T5Config, T5ForConditionalGeneration
            out = {}
            for d in sys.argv[1:]:
                config = T5Config.from_pretrained(d)
                if config.d_model <= 64:
                    torch.manual_seed(0)
                    save_model(T5ForConditionalGeneration(config), d + "/model.safetensors")
                    model, info = T5ForConditionalGeneration.from_pretrained(d, output_loading_info=True)
                    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"], info
                    ids = torch.tensor([[3, 4, 5, 1]])
                    logits = model(input_ids=ids, decoder_input_ids=torch.tensor([[0, 3]])).logits
                    assert logits.shape == (1, 2, config.vocab_size), logits.shape
                    config = model.config
                out[d] = {f: getattr(config, f, None) for f in
                          ["vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
                           "relative_attention_num_buckets", "relative_attention_max_distance", "dropout_rate",
                           "layer_norm_epsilon", "initializer_factor", "feed_forward_proj", "dense_act_fn",
                           "is_gated_act", "is_encoder_decoder", "pad_token_id", "eos_token_id",
                           "decoder_start_token_id", "scale_decoder_outputs", "model_type"]}
            print(json.dumps(out))
            """;

    @Test
    void toJsonIsAcceptedByFromPretrained() throws Exception {
        List<T5Config> configs = List.of(
                T5Config.parse(TINY),
                new T5Config(64, 16, 4, 32, 2, 3, 2, 16, 40, 0.0, 1e-5, 0.5, "gated-gelu", "gelu_new", true, false, false,
                        true, 0, 1, 0),
                new T5Config(50, 12, 8, 20, 1, 1, 3, 8, 20, 0.25, 1e-6, 2.0, "gated-silu", "silu", true, true, true,
                        true, 2, 3, 4),
                T5Config.load(SharedData.path("flan-t5-small/config.json")),
                T5Config.load(SharedData.path("flan-t5-configs/flan-t5-xl.json")));
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            Path d = Files.createDirectories(dir.resolve("c" + i));
            Files.writeString(d.resolve("config.json"), configs.get(i).toJson());
            dirs.add(d.toString());
        }
        JsonNode report = StrictJson.parse(PythonReference.runSource(PY_LOAD, dirs.toArray(String[]::new)));
        for (int i = 0; i < configs.size(); i++) {
            T5Config want = configs.get(i);
            JsonNode py = report.get(dirs.get(i));
            String at = "config " + i;
            assertEquals(want.vocabSize(), py.get("vocab_size").intValue(), at);
            assertEquals(want.dModel(), py.get("d_model").intValue(), at);
            assertEquals(want.dKv(), py.get("d_kv").intValue(), at);
            assertEquals(want.dFf(), py.get("d_ff").intValue(), at);
            assertEquals(want.numLayers(), py.get("num_layers").intValue(), at);
            assertEquals(want.numDecoderLayers(), py.get("num_decoder_layers").intValue(), at);
            assertEquals(want.numHeads(), py.get("num_heads").intValue(), at);
            assertEquals(want.relativeAttentionNumBuckets(), py.get("relative_attention_num_buckets").intValue(), at);
            assertEquals(want.relativeAttentionMaxDistance(), py.get("relative_attention_max_distance").intValue(), at);
            assertEquals(want.dropoutRate(), py.get("dropout_rate").doubleValue(), at);
            assertEquals(want.layerNormEpsilon(), py.get("layer_norm_epsilon").doubleValue(), at);
            assertEquals(want.initializerFactor(), py.get("initializer_factor").doubleValue(), at);
            assertEquals(want.feedForwardProj(), py.get("feed_forward_proj").textValue(), at);
            assertEquals(want.denseActFn(), py.get("dense_act_fn").textValue(), at);
            assertEquals(want.isGatedAct(), py.get("is_gated_act").booleanValue(), at);
            assertEquals(want.isEncoderDecoder(), py.get("is_encoder_decoder").booleanValue(), at);
            assertEquals(want.padTokenId(), py.get("pad_token_id").intValue(), at);
            assertEquals(want.eosTokenId(), py.get("eos_token_id").intValue(), at);
            assertEquals(want.decoderStartTokenId(), py.get("decoder_start_token_id").intValue(), at);
            assertEquals(want.scaleDecoderOutputs(), py.get("scale_decoder_outputs").booleanValue(), at);
            assertEquals("t5", py.get("model_type").textValue(), at);
        }
    }

    @Test
    void toJsonRoundTrips() throws IOException {
        for (Path p : sharedConfigs()) {
            T5Config c = T5Config.load(p);
            assertEquals(c, T5Config.parse(c.toJson()), p.toString());
        }
        T5Config odd = new T5Config(50, 12, 8, 20, 1, 1, 3, 8, 20, 0.25, 1e-6, 2.0, "relu", "gelu_new", true, true,
                false, true, 2, 3, 4);
        assertEquals(odd, T5Config.parse(odd.toJson()));
    }

    // ------------------------------------------------------------------ invalid configs

    private Path write(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name), json);
    }

    private static String tiny(String field, Object value) {
        ObjectNode o;
        try {
            o = (ObjectNode) StrictJson.parse(TINY);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        if (value == null) {
            o.remove(field);
        } else {
            o.set(field, StrictJson.mapper().valueToTree(value));
        }
        return o.toString();
    }

    private static String refused(String json) {
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5Config.parse(json));
        assertEquals("t5 config", e.op());
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
        }
    }

    @Test
    void missingSizesAreErrors() {
        for (String f : List.of("vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads")) {
            assertContains(refused(tiny(f, null)), "missing required field \"" + f + "\"");
        }
    }

    @Test
    void sizesMustBePositiveIntegers() {
        assertContains(refused(tiny("d_model", -16)), "\"d_model\" must be positive, got -16");
        assertContains(refused(tiny("num_heads", 0)), "\"num_heads\" must be positive");
        assertContains(refused(tiny("num_decoder_layers", -1)), "\"num_decoder_layers\" must be positive");
        assertContains(refused(tiny("d_model", 16.0)), "\"d_model\" must be an integer, got 16.0");
        assertContains(refused(tiny("d_ff", "32")), "\"d_ff\" must be an integer");
        assertContains(refused(tiny("vocab_size", 1L << 40)), "\"vocab_size\" must be an integer");
        assertContains(refused(tiny("relative_attention_num_buckets", 0)), "must be positive");
    }

    @Test
    void otherFieldsAreChecked() {
        assertContains(refused(tiny("dropout_rate", 1.5)), "dropout_rate must be in [0, 1)");
        assertContains(refused(tiny("layer_norm_epsilon", 0)), "layer_norm_epsilon must be positive");
        assertContains(refused(tiny("initializer_factor", -1)), "initializer_factor must be positive");
        assertContains(refused(tiny("tie_word_embeddings", "yes")), "\"tie_word_embeddings\" must be true or false");
        assertContains(refused(tiny("pad_token_id", 64)), "\"pad_token_id\" = 64 is outside the vocabulary [0, 64)");
        assertContains(refused(tiny("eos_token_id", List.of(1, 2))), "\"eos_token_id\" must be an integer");
        assertContains(refused(tiny("dropout_rate", "0.1")), "\"dropout_rate\" must be a number");
    }

    @Test
    void feedForwardProjMustBeActOrGatedAct() {
        assertContains(refused(tiny("feed_forward_proj", "foo-gelu")), "feed_forward_proj \"foo-gelu\" is not \"ACT\" or \"gated-ACT\"");
        assertContains(refused(tiny("feed_forward_proj", "gated-gelu-new")), "is not \"ACT\" or \"gated-ACT\"");
        assertContains(refused(tiny("feed_forward_proj", "gated-")), "is not \"ACT\" or \"gated-ACT\"");
        assertContains(refused(tiny("feed_forward_proj", "swiglu")), "unsupported activation \"swiglu\"");
        assertContains(refused(tiny("feed_forward_proj", "gated-tanh")), "unsupported activation \"tanh\"");
        assertContains(refused(tiny("dense_act_fn", "mish")), "unsupported activation \"mish\"");
        assertEquals("gelu", T5Config.parse(tiny("feed_forward_proj", "gelu")).denseActFn());
        assertEquals("gelu_new", T5Config.parse(tiny("feed_forward_proj", "gated-gelu")).denseActFn());
        assertFalse(T5Config.parse(TINY).isGatedAct());
    }

    @Test
    void onlyT5ModelTypeIsAccepted() {
        for (String other : List.of("mt5", "umt5", "longt5", "bart")) {
            assertContains(refused(tiny("model_type", other)), "model_type \"" + other + "\" is not supported");
        }
        assertContains(refused(tiny("model_type", null)), "missing \"model_type\"");
    }

    @Test
    void headsTimesKvNeedNotEqualDModel() {
        T5Config c = T5Config.parse(tiny("d_kv", 64)); // 2 heads x 64 = 128 != d_model 16: legal in T5
        assertEquals(128, c.innerDim());
        assertEquals(16, c.dModel());
    }

    @Test
    void malformedJsonIsAnError() throws IOException {
        assertContains(refused("{\"model_type\": \"t5\""), "not valid JSON");
        assertContains(refused("[1]"), "must be a JSON object");
        assertContains(refused(TINY.replace("}", ", \"d_model\": 32}")), "Duplicate field 'd_model'");
        Path p = write("bad.json", tiny("d_model", null));
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5Config.load(p));
        assertContains(e.getMessage(), p.toString(), "missing required field \"d_model\"");
        assertEquals("t5 config: " + p + ": missing required field \"d_model\"", e.getMessage());
    }
}
