package dev.lora4j.quant;

import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 4-bit T5 checkpoints both ways against transformers + bitsandbytes (qlora_checkpoint_reference.py):
 * <ul>
 *   <li>lora4j quantizing a float32 checkpoint at load and saving it writes the same tensors, byte for byte
 *       (codes, absmax, nested state, maps, JSON items, the kept float layers), as transformers' save_pretrained
 *       of the same model loaded with BitsAndBytesConfig, and a quantization_config transformers reads;</li>
 *   <li>quantizing after a float load ({@link T5Quantization}) gives the same tensors as quantizing while loading;</li>
 *   <li>transformers loads lora4j's file as 4-bit (the same Linear4bit layers) and lora4j loads transformers'
 *       file; logits agree with the reference's to 1e-5 relative;</li>
 *   <li>corrupt files (a missing absmax, a wrong packed shape, bad JSON, a quant_state for another shape) fail
 *       with a message naming the tensor and the file.</li>
 * </ul>
 */
class QLoraCheckpointTest {
    private static final long[] IDS = {5, 17, 230, 41, 9, 1, 7, 300, 12, 1, 0, 0};
    private static final long[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    private static final long[] LABELS = {3, 8, 1, 44, 1, -100};

    private static Path script() {
        return Path.of(System.getProperty("lora4j.repo.root", "."), "lora-runtime/src/test/python/qlora_checkpoint_reference.py");
    }

    @Test
    void checkpointsBothWaysMatchTransformers(@TempDir Path dir) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(script(), "save", dir.toString()));
        Path ours = dir.resolve("lora4j4bit");
        List<String> quantized = new ArrayList<>();
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32,
                QuantConfig.qlora())) {
            model.linearLayers().forEach((path, layer) -> {
                if (layer instanceof Linear4bit) {
                    quantized.add(path);
                }
            });
            assertEquals(32, quantized.size(), "encoder q, k, v, o, wi_0, wi_1 and decoder self and cross q, k, v, o, wi_0, wi_1: 2·6 + 2·10");
            assertTrue(model.isLmHeadTied() || !(model.slot("lm_head", LinearLayer.class).get() instanceof Linear4bit),
                    "lm_head stays float");
            assertLogits("lora4j (quantized at load)", ref, model);
            model.save(ours);
        }
        // The same tensors, byte for byte, as transformers' save_pretrained of its 4-bit model.
        int compared = 0;
        try (SafetensorsFile theirs = SafetensorsFile.open(dir.resolve("base4bit/model.safetensors"));
             SafetensorsFile mine = SafetensorsFile.open(ours.resolve("model.safetensors"))) {
            assertEquals(new java.util.TreeSet<>(theirs.names()), new java.util.TreeSet<>(mine.names()), "the same keys");
            for (String name : theirs.names()) {
                assertEquals(theirs.info(name).dtype(), mine.info(name).dtype(), name);
                assertArrayEquals(theirs.info(name).shape(), mine.info(name).shape(), name);
                assertEquals(-1, theirs.data(name).mismatch(mine.data(name)), name + " differs");
                compared++;
            }
        }
        // Quantizing after a float load (T5Quantization) gives the same tensors as quantizing while loading.
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32);
             SafetensorsFile saved = SafetensorsFile.open(ours.resolve("model.safetensors"));
             Scope scope = Scope.open()) {
            assertEquals(quantized, T5Quantization.quantize(model, QuantConfig.qlora()));
            for (var e : model.namedParameters().entrySet()) {
                byte[] mine = Quant4ParityTest.bytes(e.getValue());
                assertEquals(-1, MemorySegment.ofArray(mine).mismatch(saved.data(e.getKey())), e.getKey());
            }
        }
        JsonNode cfg = new ObjectMapper().readTree(Files.readString(ours.resolve("config.json")));
        JsonNode theirsCfg = new ObjectMapper().readTree(Files.readString(dir.resolve("base4bit/config.json")));
        assertEquals(theirsCfg.get("quantization_config"), cfg.get("quantization_config"));
        System.out.printf("QLoraCheckpointTest: %d tensors byte-identical to transformers' 4-bit save_pretrained%n", compared);

        // transformers reads lora4j's file as 4-bit.
        JsonNode back = new ObjectMapper().readTree(PythonReference.runFile(script(), "load", ours.toString()));
        List<String> theirs4bit = new ArrayList<>();
        back.get("linear4bit").forEach(n -> theirs4bit.add(n.asText()));
        assertEquals(quantized.stream().sorted().toList(), theirs4bit);
        assertClose("transformers loading lora4j's file", doubles(ref.get("logits")), doubles(back.get("logits")));

        // lora4j reads transformers' file (and its own) as 4-bit, with the same dequantized weights.
        for (Path p : List.of(dir.resolve("base4bit"), ours)) {
            try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(p, Device.CPU, DType.FLOAT32)) {
                long fourBit = model.linearLayers().values().stream().filter(l -> l instanceof Linear4bit).count();
                assertEquals(32, fourBit, p + ": 4-bit layers");
                assertLogits("lora4j loading " + p.getFileName(), ref, model);
            }
        }
    }

    @Test
    void corruptCheckpointsNameTheTensor(@TempDir Path dir) throws Exception {
        PythonReference.runFile(script(), "save", dir.toString());
        Path good = dir.resolve("base4bit");
        String q = "encoder.block.0.layer.0.SelfAttention.q.weight";
        assertCorrupt(dir, good, "missing", t -> t.remove(q + ".absmax").close(), q + ".absmax missing");
        assertCorrupt(dir, good, "shape", t -> replace(t, q, Tensor.zeros(DType.UINT8, Device.CPU, 100, 1)), q + " must have shape [2048, 1]");
        assertCorrupt(dir, good, "json", t -> replace(t, q + ".quant_state.bitsandbytes__nf4", bytes("{\"quant_type\": ")),
                q + ".quant_state.bitsandbytes__nf4 is not valid JSON");
        assertCorrupt(dir, good, "blocksize", t -> replace(t, q + ".quant_state.bitsandbytes__nf4", bytes(
                "{\"quant_type\": \"nf4\", \"blocksize\": 48, \"dtype\": \"float32\", \"shape\": [64, 64]}")), "blocksize must be a power of two");
        assertCorrupt(dir, good, "othershape", t -> replace(t, q + ".quant_state.bitsandbytes__nf4", bytes(
                "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [32, 64], \"nested_blocksize\": 256, "
                        + "\"nested_dtype\": \"float32\", \"nested_offset\": 0.5}")), q + " must have shape [1024, 1]");
    }

    private static Tensor bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Tensor.of(MemorySegment.ofArray(b), DType.UINT8, Device.CPU, b.length);
    }

    private static void replace(Map<String, Tensor> tensors, String key, Tensor value) {
        tensors.put(key, value).close();
    }

    private static void assertCorrupt(Path dir, Path good, String name, Consumer<Map<String, Tensor>> edit, String expected) throws Exception {
        Path bad = dir.resolve("bad-" + name);
        Files.createDirectories(bad);
        Files.copy(good.resolve("config.json"), bad.resolve("config.json"));
        try (Scope scope = Scope.open(); SafetensorsFile file = SafetensorsFile.open(good.resolve("model.safetensors"))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : file.names()) {
                tensors.put(n, TensorFiles.read(file, n, Device.CPU, null));
            }
            edit.accept(tensors);
            TensorFiles.save(tensors, Map.of("format", "pt"), bad.resolve("model.safetensors"));
        }
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5ForConditionalGeneration.load(bad, Device.CPU, DType.FLOAT32).close());
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("model.safetensors"), name + ": " + e.getMessage());
        System.out.println("QLoraCheckpointTest " + name + ": " + e.getMessage());
    }

    private static void assertLogits(String what, JsonNode ref, T5ForConditionalGeneration model) {
        try (Scope scope = Scope.open()) {
            model.eval();
            var out = model.forward(Tensor.of(IDS, 2, 6), Tensor.of(MASK, 2, 6), null, Tensor.of(LABELS, 2, 3));
            assertClose(what, doubles(ref.get("logits")), out.logits().toDoubleArray());
        }
    }

    private static void assertClose(String what, double[] want, double[] got) {
        assertEquals(want.length, got.length, what);
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]) / scale);
        }
        System.out.printf("QLoraCheckpointTest %s: logits within %.2e of the largest%n", what, worst);
        assertTrue(worst <= 1e-5, what + ": " + worst);
    }
}
