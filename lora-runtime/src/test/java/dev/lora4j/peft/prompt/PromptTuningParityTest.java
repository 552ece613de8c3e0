package dev.lora4j.peft.prompt;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.ParityAsserts;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompt tuning against PEFT 0.21.2 (peft_prompt_tuning_reference.py), float32, a tiny FLAN-shaped model:
 * a PEFT-made adapter (its two-submodule table) gives PEFT's loss and logits (1e-5 of max |PEFT|), the
 * gradient of every table row (the unused second half zero, as in PEFT), and PeftModel.generate()'s ids,
 * greedy and beam 3; an adapter saved here (one-submodule table) gives the same logits in PEFT; the TEXT
 * init builds PEFT's table exactly from the real T5 tokenizer; bad configs name their field.
 */
class PromptTuningParityTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/peft_prompt_tuning_reference.py");
    private static final double RTOL = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPeftAdapterTrainsAndGeneratesAsPeftAndOursLoadsInPeft(@TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "make", dir.toString()));
        double[] ours;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Tensor ids = Tensor.of(longs(ref.get("input_ids")), 2, 7);
            Tensor mask = Tensor.of(longs(ref.get("attention_mask")), 2, 7);
            Tensor labels = Tensor.of(longs(ref.get("labels")), 2, 5);
            PeftModel peft = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals(2, ((PromptTuningConfig) peft.config()).numTransformerSubmodules());
            peft.train(new RandomKey(0, 0, 0, 0));
            T5Output out = model.forward(ids, mask, null, labels);
            assertClose("logits", doubles(ref.get("logits")), out.logits().toDoubleArray());
            assertEquals(ref.get("loss").asDouble(), out.loss().item(), RTOL * Math.abs(ref.get("loss").asDouble()), "loss");
            out.loss().backward();
            Tensor table = peft.trainableParameters().get(PromptTuningAdapter.TABLE_KEY);
            assertClose("prompt_embeddings gradient", doubles(ref.get("grad")), table.grad().toDoubleArray());
            peft.eval();
            assertTokens("greedy", ref.get("greedy"), T5Generation.generate(model, ids, mask, GenerationConfig.greedy(8)));
            assertTokens("beam", ref.get("beam"), T5Generation.generate(model, ids, mask,
                    GenerationConfig.beams(3, 8).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));
            assertTrue(peft.mergeRefusal().contains("cannot be merged"));
            peft.unload();

            PeftModel fresh = PeftModel.wrap(model, new PromptTuningConfig(4, PromptTuningConfig.Init.RANDOM, null, null), 3);
            fresh.save(dir.resolve("ours"), dir.resolve("base").toString());
            ours = model.forward(ids, mask, null, labels).logits().toDoubleArray();
            fresh.unload();
        }
        JsonNode config = JSON.readTree(dir.resolve("ours").resolve(AdapterFiles.CONFIG_FILE).toFile());
        assertEquals(1, config.get("num_transformer_submodules").asInt());
        assertEquals(16, config.get("token_dim").asInt());
        JsonNode peft = JSON.readTree(PythonReference.runFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("ours").toString()));
        assertClose("PEFT's logits of our adapter", doubles(peft.get("logits")), ours);
    }

    @Test
    void theTextInitIsPeftsTableFromTheRealTokenizer(@TempDir Path dir) throws Exception {
        Path tokenizer = SharedData.path("flan-t5-small");
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "text", dir.toString(), tokenizer.toString()));
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32);
             SafetensorsFile saved = SafetensorsFile.open(dir.resolve("adapter").resolve(AdapterFiles.WEIGHTS_FILE))) {
            PromptTuningConfig config = new PromptTuningConfig(4, 2, PromptTuningConfig.Init.TEXT, ref.get("text").asText(),
                    tokenizer.toString(), 0);
            long[] expectedIds = new long[8];
            for (int i = 0; i < 8; i++) {
                expectedIds[i] = ref.get("ids").get(i % ref.get("ids").size()).asLong();
            }
            assertArrayEquals(expectedIds, PromptTuningAdapter.textIds(config, 8), "ids with </s>, repeated cyclically");
            PeftModel peft = PeftModel.wrap(model, config, 0);
            Tensor peftTable = dev.lora4j.io.TensorFiles.read(saved, PromptTuningAdapter.TABLE_KEY, Device.CPU, new long[] {8, 16});
            assertArrayEquals(peftTable.toFloatArray(), peft.trainableParameters().get(PromptTuningAdapter.TABLE_KEY).toFloatArray(),
                    "the TEXT-initialised table, bit for bit");
            peft.unload();
        }
    }

    @Test
    void badConfigsNameTheirField(@TempDir Path dir) throws Exception {
        PromptTuningMethod method = PromptTuningMethod.INSTANCE;
        var json = JSON.createObjectNode().put("peft_type", "PROMPT_TUNING").put("num_virtual_tokens", 0);
        Lora4jException e = assertThrows(Lora4jException.class, () -> method.readConfig(json, "x.json"));
        assertTrue(e.getMessage().contains("field \"num_virtual_tokens\""), e.getMessage());
        json.put("num_virtual_tokens", 3).put("prompt_tuning_init", "TEXT").put("prompt_tuning_init_text", "hello");
        e = assertThrows(Lora4jException.class, () -> method.readConfig(json, "x.json"));
        assertTrue(e.getMessage().contains("field \"tokenizer_name_or_path\""), e.getMessage());
        json.put("prompt_tuning_init", "WORDS");
        e = assertThrows(Lora4jException.class, () -> method.readConfig(json, "x.json"));
        assertTrue(e.getMessage().contains("field \"prompt_tuning_init\""), e.getMessage());

        // A table whose shape disagrees with the config: the file is refused and the model left as it was.
        PythonReference.runFile(SCRIPT, "make", dir.toString());
        Path config = dir.resolve("adapter").resolve(AdapterFiles.CONFIG_FILE);
        Files.writeString(config, Files.readString(config).replace("\"num_virtual_tokens\": 3", "\"num_virtual_tokens\": 4"));
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            e = assertThrows(Lora4jException.class, () -> PeftModel.load(model, dir.resolve("adapter"), 0));
            assertTrue(e.getMessage().contains("prompt_embeddings") && e.getMessage().contains("shape"), e.getMessage());
            assertTrue(model.hooks().isEmpty(), "the failed load left no hook and no table behind");
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        ParityAsserts.assertClose("prompt tuning " + what, expected, actual, RTOL);
    }

    private static void assertTokens(String what, JsonNode expected, long[][] actual) {
        ParityAsserts.assertTokens(what, expected, actual);
    }
}
