package dev.lora4j.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.SafetensorsWriter;
import dev.lora4j.io.TensorInfo;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints in and out: {@link T5ForConditionalGeneration#save} writes what transformers'
 * from_pretrained loads to the same model (same parameters, same logits), transformers' sharded
 * checkpoints load, and a checkpoint that does not fit the config fails with every problem named.
 */
class T5SaveLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Loads each directory with transformers, runs the batch, writes logits and the tying it decided. */
    private static final String PY_LOAD = """
            import json, sys, torch
            from safetensors.torch import save_file
            from transformers import T5ForConditionalGeneration
            torch.set_num_threads(1)
            ids = torch.tensor(json.loads(sys.argv[1]))
            mask = torch.tensor(json.loads(sys.argv[2]))
            decoder_ids = torch.tensor(json.loads(sys.argv[3]))
            report = {}
            for d in sys.argv[4:]:
                m = T5ForConditionalGeneration.from_pretrained(d).eval()
                with torch.no_grad():
                    logits = m(input_ids=ids, attention_mask=mask, decoder_input_ids=decoder_ids).logits
                save_file({"logits": logits.contiguous()}, d + "/hf_logits.safetensors")
                report[d] = {"tied": m.lm_head.weight is m.shared.weight,
                             "scale": bool(m.config.scale_decoder_outputs),
                             "parameters": [n for n, _ in m.named_parameters()]}
            print(json.dumps(report))
            """;

    /** Saves a random transformers model as a sharded checkpoint (several shards + index). */
    private static final String PY_SAVE_SHARDED = """
            import sys, torch
            from transformers import T5Config, T5ForConditionalGeneration
            torch.manual_seed(0)
            c = T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=24, num_layers=2, num_heads=4,
                         relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", decoder_start_token_id=0,
                         tie_word_embeddings=False)
            T5ForConditionalGeneration(c).save_pretrained(sys.argv[1], max_shard_size="8KB")
            """;

    static T5Config tinyConfig(String feedForward, boolean tie) {
        return T5Config.parse("""
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 24, "num_layers": 2,
                 "num_heads": 4, "relative_attention_num_buckets": 8, "relative_attention_max_distance": 20,
                 "feed_forward_proj": "%s", "tie_word_embeddings": %s, "decoder_start_token_id": 0}
                """.formatted(feedForward, tie));
    }

    @Test
    void transformersLoadsWhatSaveWritesAndComputesTheSameLogits(@TempDir Path dir) throws IOException {
        Path v11 = dir.resolve("v11");
        Path v10 = dir.resolve("v10");
        try (T5ForConditionalGeneration flan = T5ForConditionalGeneration.fromConfig(tinyConfig("gated-gelu", false), 11,
                Device.CPU, DType.FLOAT32);
             T5ForConditionalGeneration original = T5ForConditionalGeneration.fromConfig(tinyConfig("relu", true), 12,
                     Device.CPU, DType.FLOAT32)) {
            assertFalse(flan.isLmHeadTied());
            assertTrue(original.isLmHeadTied());
            flan.save(v11);
            original.save(v10);
            JsonNode report = JSON.readTree(PythonReference.runSource(PY_LOAD, "[[5, 9, 12, 1], [33, 7, 1, 0]]",
                    "[[1, 1, 1, 1], [1, 1, 1, 0]]", "[[0, 4, 8], [0, 17, 3]]", v11.toString(), v10.toString()));
            for (var c : List.of(Map.entry(v11, flan), Map.entry(v10, original))) {
                JsonNode r = report.get(c.getKey().toString());
                T5ForConditionalGeneration model = c.getValue();
                assertEquals(model.isLmHeadTied(), r.get("tied").asBoolean(), c.getKey() + ": tying");
                assertEquals(model.config().scaleDecoderOutputs(), r.get("scale").asBoolean(), c.getKey() + ": scaling");
                List<String> names = new ArrayList<>();
                r.get("parameters").forEach(n -> names.add(n.asText()));
                assertEquals(names, List.copyOf(model.namedParameters().keySet()), c.getKey() + ": parameter names and order");
                try (Scope scope = Scope.open();
                     SafetensorsFile hf = SafetensorsFile.open(c.getKey().resolve("hf_logits.safetensors"))) {
                    Tensor ids = Tensor.of(new long[] {5, 9, 12, 1, 33, 7, 1, 0}, 2, 4);
                    Tensor mask = Tensor.of(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, 2, 4);
                    Tensor decoderIds = Tensor.of(new long[] {0, 4, 8, 0, 17, 3}, 2, 3);
                    Tensor logits = model.forward(ids, mask, decoderIds, null).logits();
                    TensorInfo info = hf.info("logits");
                    Tensor expected = Tensor.of(hf.data("logits"), info.dtype(), Device.CPU, info.shape());
                    double error = logits.sub(expected).abs().max().item();
                    double scale = expected.abs().max().item();
                    // Same weights and the same kernels: equal up to float32 rounding.
                    assertTrue(error <= 1e-5 * scale, c.getKey() + ": logits differ by " + error + " (scale " + scale + ")");
                    System.out.printf("%s: transformers' logits from save() output, relative max error %.2e%n",
                            c.getKey().getFileName(), error / scale);
                }
            }
        }
    }

    @Test
    void saveThenLoadGivesBitIdenticalParameters(@TempDir Path dir) {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.BFLOAT16, DType.FLOAT16}) {
            Path out = dir.resolve(dtype.name());
            try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(tinyConfig("gated-gelu", false),
                    3, Device.CPU, dtype)) {
                model.save(out);
                try (T5ForConditionalGeneration reloaded = T5ForConditionalGeneration.load(out, Device.CPU, dtype)) {
                    assertEquals(model.config(), reloaded.config());
                    Map<String, Tensor> a = model.namedParameters();
                    Map<String, Tensor> b = reloaded.namedParameters();
                    assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
                    for (String name : a.keySet()) {
                        assertEquals(a.get(name).dtype(), b.get(name).dtype(), name);
                        assertArrayEquals(a.get(name).toDoubleArray(), b.get(name).toDoubleArray(), 0.0, name);
                    }
                }
            }
        }
    }

    @Test
    void loadsTransformersShardedCheckpoints(@TempDir Path dir) throws IOException {
        PythonReference.runSource(PY_SAVE_SHARDED, dir.toString());
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")), "transformers wrote an index");
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir, Device.CPU, DType.FLOAT32)) {
            // transformers 5 ties a fresh model's head, so the checkpoint has no lm_head.weight.
            assertTrue(model.isLmHeadTied());
            assertFalse(model.config().scaleDecoderOutputs(), "tie_word_embeddings=False: no decoder output scaling");
            assertEquals(52 - 1, model.namedParameters().size());
        }
    }

    @Test
    void loadRefusesACheckpointThatDoesNotFit(@TempDir Path dir) {
        Path good = dir.resolve("good");
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(tinyConfig("gated-gelu", false), 5,
                Device.CPU, DType.FLOAT32)) {
            model.save(good);
        }
        String q = "encoder.block.0.layer.0.SelfAttention.q.weight";
        String wo = "decoder.block.1.layer.2.DenseReluDense.wo.weight";
        Path broken = rewrite(good, dir.resolve("broken"), tensors -> {
            tensors.remove(q); // missing
            tensors.put("encoder.block.0.layer.0.SelfAttention.extra.weight", tensors.get("shared.weight")); // unexpected
            Saved w = tensors.get(wo);
            tensors.put(wo, new Saved(w.dtype(), new long[] {w.shape()[1], w.shape()[0]}, w.bytes())); // transposed
            return tensors;
        });
        Lora4jException e = assertThrows(Lora4jException.class,
                () -> T5ForConditionalGeneration.load(broken, Device.CPU, DType.FLOAT32));
        String message = e.getMessage();
        assertTrue(message.contains("missing 1: [" + q + " [16, 16]]"), message);
        assertTrue(message.contains("unexpected 1: [encoder.block.0.layer.0.SelfAttention.extra.weight]"), message);
        assertTrue(message.contains(wo + ": checkpoint [24, 16], model [16, 24]"), message);
    }

    @Test
    void acceptsTheExtraKeysTransformersTolerates(@TempDir Path dir) {
        Path good = dir.resolve("good");
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(tinyConfig("relu", true), 6,
                Device.CPU, DType.FLOAT32)) {
            model.save(good);
            // Old checkpoints: the embeddings stored under the stacks' names only, plus a stray cross-attention bias.
            Path legacy = rewrite(good, dir.resolve("legacy"), tensors -> {
                Saved shared = tensors.remove("shared.weight");
                tensors.put("encoder.embed_tokens.weight", shared);
                tensors.put("decoder.embed_tokens.weight", shared);
                tensors.put("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight",
                        tensors.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"));
                return tensors;
            });
            try (T5ForConditionalGeneration loaded = T5ForConditionalGeneration.load(legacy, Device.CPU, DType.FLOAT32)) {
                assertTrue(loaded.isLmHeadTied());
                assertArrayEquals(model.namedParameters().get("shared.weight").toFloatArray(),
                        loaded.namedParameters().get("shared.weight").toFloatArray());
            }
            // A stored copy of a tied head (as .bin-era checkpoints have) is tied, as transformers ties equal tensors;
            // a different head is the model's own.
            Path withCopy = rewrite(good, dir.resolve("copy"), tensors -> {
                tensors.put("lm_head.weight", tensors.get("shared.weight"));
                return tensors;
            });
            try (T5ForConditionalGeneration loaded = T5ForConditionalGeneration.load(withCopy, Device.CPU, DType.FLOAT32)) {
                assertTrue(loaded.isLmHeadTied());
            }
            Path withOwnHead = rewrite(good, dir.resolve("own"), tensors -> {
                Saved shared = tensors.get("shared.weight");
                byte[] changed = shared.bytes().clone();
                changed[5] ^= 1;
                tensors.put("lm_head.weight", new Saved(shared.dtype(), shared.shape(), changed));
                return tensors;
            });
            try (T5ForConditionalGeneration loaded = T5ForConditionalGeneration.load(withOwnHead, Device.CPU, DType.FLOAT32)) {
                assertFalse(loaded.isLmHeadTied());
            }
        }
    }

    /** A tensor as stored: dtype, shape and bytes (a copy). */
    record Saved(DType dtype, long[] shape, byte[] bytes) {}

    /** Copies a checkpoint directory with its tensors passed through edit. */
    private static Path rewrite(Path from, Path to, UnaryOperator<Map<String, Saved>> edit) {
        try {
            Files.createDirectories(to);
            Files.copy(from.resolve("config.json"), to.resolve("config.json"));
            Map<String, Saved> tensors = new java.util.LinkedHashMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(from.resolve("model.safetensors"))) {
                for (String name : f.names()) {
                    TensorInfo info = f.info(name);
                    tensors.put(name, new Saved(info.dtype(), info.shape(), f.data(name).toArray(ValueLayout.JAVA_BYTE)));
                }
            }
            SafetensorsWriter writer = new SafetensorsWriter();
            edit.apply(tensors).forEach((name, t) -> writer.add(name, t.dtype(), t.shape(), t.bytes()));
            writer.write(to.resolve("model.safetensors"));
            return to;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
