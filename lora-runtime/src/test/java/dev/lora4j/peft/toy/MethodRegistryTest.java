package dev.lora4j.peft.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.data.TokenizedExample;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.peft.PeftMethods;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The method registry end to end with methods the library has never heard of: the toys are found by
 * ServiceLoader, train through the ordinary Trainer (checkpoints and resume included), save and load
 * through the adapter files, and unload to the model as it was.
 */
class MethodRegistryTest {
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
             "num_decoder_layers": 2, "num_heads": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "dropout_rate": 0.1, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;

    private static List<TokenizedExample> examples() {
        List<TokenizedExample> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 16; i++) {
            int[] in = r.ints(3 + r.nextInt(6), 2, 64).toArray();
            int[] labels = r.ints(2 + r.nextInt(3), 2, 64).toArray();
            out.add(new TokenizedExample("ex" + i, in, labels));
        }
        return out;
    }

    @Test
    void theRegistryFindsEveryMethodAndNamesTheSupportedOnes() {
        List<String> types = PeftMethods.all().stream().map(PeftMethod::peftType).toList();
        assertTrue(types.containsAll(List.of("LORA", "TOY_PROMPT", "TOY_PREFIX", "TOY_SUBLAYER")), types.toString());
        assertEquals("toy-prefix", PeftMethods.forType("TOY_PREFIX").name());
        Lora4jException e = assertThrows(Lora4jException.class, () -> PeftMethods.forType("IA4"));
        assertTrue(e.getMessage().contains("IA4") && e.getMessage().contains("LORA"), e.getMessage());
        e = assertThrows(Lora4jException.class, () -> PeftMethods.forName("nope"));
        assertTrue(e.getMessage().contains("lora") && e.getMessage().contains("toy-prompt"), e.getMessage());
    }

    @Test
    void anAdapterDirectoryOfAnUnknownTypeIsRefusedWithTheFileNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(AdapterFiles.CONFIG_FILE), "{\"peft_type\": \"ADALORA\"}");
        Lora4jException e = assertThrows(Lora4jException.class, () -> PeftModel.readConfig(dir));
        assertTrue(e.getMessage().contains(AdapterFiles.CONFIG_FILE) && e.getMessage().contains("ADALORA")
                && e.getMessage().contains("TOY_PROMPT"), e.getMessage());
        Files.writeString(dir.resolve(AdapterFiles.CONFIG_FILE), "{\"peft_type\": \"TOY_PROMPT\", \"num_virtual_tokens\": 2.5}");
        e = assertThrows(Lora4jException.class, () -> PeftModel.readConfig(dir));
        assertTrue(e.getMessage().contains("num_virtual_tokens") && e.getMessage().contains("integer"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"toy-prompt", "toy-prefix", "toy-sublayer"})
    void aToyMethodTrainsResumesSavesLoadsAndUnloads(String name, @TempDir Path dir) {
        TrainerConfig config = TrainerConfig.defaults().withLearningRate(1e-2).withSteps(6, 0).withBatching(4, 2, true)
                .withCheckpoints(3, 2).withLogEvery(1).withSeed(9);
        PeftMethod method = PeftMethods.forName(name);
        Map<String, float[]> straight = train(method, config, dir.resolve("straight"), 6);
        train(method, config.withSteps(6, 0), dir.resolve("resumed"), 3); // killed after step 3 ...
        Map<String, float[]> resumed = train(method, config, dir.resolve("resumed"), 6); // ... and resumed
        assertEquals(straight.keySet(), resumed.keySet());
        straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0f, k + ": resume is exact"));

        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 1, Device.CPU, DType.FLOAT32)) {
            Tensor ids = Tensor.of(new long[] {5, 6, 7, 1}, 1, 4);
            Tensor labels = Tensor.of(new long[] {8, 9, 1}, 1, 3);
            model.requiresGrad(false); // as the toy leaves it, so both forwards take the same kernels
            float[] before = model.forward(ids, null, null, labels).logits().toFloatArray();
            PeftModel loaded = PeftModel.load(model, dir.resolve("straight").resolve("final"), 0);
            loaded.stateDict().forEach((k, t) -> assertArrayEquals(straight.get(k), t.toFloatArray(), 0f, k + " loaded"));
            float[] adapted = model.forward(ids, null, null, labels).logits().toFloatArray();
            assertFalse(java.util.Arrays.equals(before, adapted), "the trained adapter changes the output");
            assertTrue(loaded.mergeRefusal() != null, "toys cannot merge");
            assertThrows(Lora4jException.class, loaded::mergeAndUnload);
            loaded.unload();
            assertArrayEquals(before, model.forward(ids, null, null, labels).logits().toFloatArray(), "unloaded");
        }
    }

    /** Trains a fresh toy adapter in runDir (resuming what is there) up to stopAt steps; returns its tensors. */
    private static Map<String, float[]> train(PeftMethod method, TrainerConfig config, Path runDir, int stopAt) {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 1, Device.CPU, DType.FLOAT32)) {
            var cfg = method.readConfig(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), "test");
            PeftModel peft = PeftModel.wrap(model, cfg, 4);
            Map<String, float[]> initial = snapshot(peft);
            Trainer.Listener stop = new Trainer.Listener() {
                @Override
                public void onCheckpoint(long step, Path checkpoint) {
                    if (step == stopAt && stopAt < config.maxSteps()) {
                        throw new IllegalStateException("killed");
                    }
                }
            };
            Trainer trainer = new Trainer(TrainableModel.adapter(peft, "tiny"), config, examples(), List.of(), 0, runDir, stop);
            try {
                trainer.run();
                peft.save(runDir.resolve("final"), "tiny");
            } catch (IllegalStateException killed) {
                return Map.of(); // the model closes with the toy attached: its tensors are freed with it
            }
            Map<String, float[]> trained = snapshot(peft);
            assertFalse(trained.keySet().stream().allMatch(k -> java.util.Arrays.equals(initial.get(k), trained.get(k))),
                    "training changes the toy's tensors");
            peft.unload();
            return trained;
        }
    }

    private static Map<String, float[]> snapshot(PeftModel peft) {
        Map<String, float[]> out = new TreeMap<>();
        peft.stateDict().forEach((k, t) -> out.put(k, t.toFloatArray()));
        return out;
    }
}
