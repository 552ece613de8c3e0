package dev.lora4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.peft.lora.LoraModel;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: a run killed after any step resumes to exactly the adapter of an uninterrupted run. */
class TrainerResumeTest {
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 384, "d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2,
             "num_decoder_layers": 2, "num_heads": 4, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "dropout_rate": 0.1, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;
    private static final int STEPS = 12;
    private static List<TokenizedExample> examples;
    private static ByT5Tokenizer tokenizer;

    @BeforeAll
    static void data() {
        tokenizer = ByT5Tokenizer.create();
        var rows = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.dev.jsonl")).examples().subList(0, 24);
        examples = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 96, 32).encodeAll(rows);
    }

    private static TrainerConfig config() {
        return TrainerConfig.defaults().withLearningRate(3e-3).withSchedule(LrSchedule.COSINE).withSteps(STEPS, 2)
                .withBatching(4, 2, true).withCheckpoints(5, 2).withEvaluation(4, 0).withLogEvery(1).withSeed(7);
    }

    /** Trains a fresh model + adapter (same seeds every time) in runDir; returns the adapter's values. */
    private static Map<String, float[]> train(Path runDir, Trainer.Listener listener, Function<Trainer, Trainer.Result> run) {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
            PeftModel lora = PeftModel.wrap(model, LoraConfig.defaults().withR(4).withAlpha(8).withDropout(0.1)
                    .withInit(LoraConfig.Init.RANDOM).withTargets(LoraConfig.TargetModules.names("q", "v", "wo")), 5);
            Trainer trainer = new Trainer(TrainableModel.adapter(lora, "tiny"), config(), examples, examples.subList(0, 8),
                    tokenizer.padTokenId(), runDir, listener);
            run.apply(trainer);
            Map<String, float[]> out = new java.util.TreeMap<>();
            lora.stateDict().forEach((k, t) -> out.put(k, t.toFloatArray()));
            return out;
        }
    }

    @Test
    void killedAndResumedEqualsUninterrupted(@TempDir Path dir) throws Exception {
        Map<String, float[]> straight = train(dir.resolve("straight"), null, Trainer::run);

        Path run = dir.resolve("killed");
        Trainer.Listener crashAfterStep8 = new Trainer.Listener() {
            @Override
            public void onStep(Trainer.StepMetrics m) {
                if (m.step() == 8) {
                    throw new IllegalStateException("simulated kill after step 8");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> train(run, crashAfterStep8, Trainer::run));
        Path latest = Checkpoint.latest(run);
        assertNotNull(latest);
        assertEquals("step-00000005", latest.getFileName().toString());
        // A half-written checkpoint (as a kill during writing leaves) is ignored.
        Files.createDirectories(Checkpoint.checkpointsDir(run).resolve("step-00000009.tmp-crashed"));

        List<Trainer.Result> resumed = new ArrayList<>();
        Map<String, float[]> afterResume = train(run, null, t -> {
            Trainer.Result r = t.run();
            resumed.add(r);
            return r;
        });
        assertEquals(STEPS, resumed.get(0).steps());
        assertEquals(STEPS - 5, resumed.get(0).losses().size(), "the resumed run trains only the remaining steps");
        assertEquals(straight.keySet(), afterResume.keySet());
        for (String key : straight.keySet()) {
            assertArrayEquals(straight.get(key), afterResume.get(key), 0f, key);
        }

        List<JsonNode> metrics = MetricsLog.read(run.resolve("metrics.jsonl"));
        List<Long> steps = metrics.stream().filter(r -> r.has("loss")).map(r -> r.get("step").asLong()).toList();
        assertEquals(Stream.iterate(1L, s -> s + 1).limit(STEPS).toList(), steps, "each step logged once");
        assertTrue(metrics.stream().anyMatch(r -> r.has("eval_loss")));
        try (Stream<Path> kept = Files.list(Checkpoint.checkpointsDir(run))) {
            List<String> names = kept.map(p -> p.getFileName().toString()).filter(n -> n.matches("step-\\d{8}")).sorted().toList();
            assertEquals(List.of("step-00000010", "step-00000012"), names, "the newest two checkpoints are kept");
        }
        assertTrue(Files.isRegularFile(run.resolve("best").resolve("adapter_model.safetensors")));
    }

    /**
     * On the CPU the GEMM library can be chosen per process by measuring (LORA4J_CPU_GEMM=auto), and the two
     * libraries differ in the last bits, so a resumed run must continue with the library its checkpoint
     * recorded to end bit for bit where the uninterrupted run did.
     */
    @Test
    void aResumedRunContinuesWithTheGemmLibraryItsCheckpointRecorded(@TempDir Path dir) {
        String asked = System.getenv("LORA4J_CPU_GEMM");
        assumeFalse("aten".equals(asked) || "onednn".equals(asked), "an explicit LORA4J_CPU_GEMM is obeyed on resume instead");
        String chosen = NativeLibrary.cpuGemmLibrary();
        long live = NativeLibrary.liveTensors();
        try {
            NativeLibrary.selectCpuGemm("aten");
            Map<String, float[]> straightAten = train(dir.resolve("straight-aten"), null, Trainer::run);
            NativeLibrary.selectCpuGemm("onednn");
            Map<String, float[]> straightOnednn = train(dir.resolve("straight-onednn"), null, Trainer::run);
            assertFalse(straightAten.keySet().stream().allMatch(k -> Arrays.equals(straightAten.get(k), straightOnednn.get(k))),
                    "the two libraries give different bits at this shape, or this test could not fail");

            Path run = dir.resolve("killed");
            assertThrows(IllegalStateException.class, () -> train(run, crashAfterStep(8), Trainer::run));
            assertEquals("onednn", Checkpoint.cpuGemm(Checkpoint.latest(run)), "trainer_state.json records the library");
            NativeLibrary.selectCpuGemm("aten"); // as a new process whose measured choice came out otherwise
            Map<String, float[]> resumed = train(run, null, Trainer::run);
            assertEquals("onednn", NativeLibrary.cpuGemmLibrary(), "the resumed run switched to the recorded library");
            for (String key : straightOnednn.keySet()) {
                assertArrayEquals(straightOnednn.get(key), resumed.get(key), 0f, key);
            }
        } finally {
            NativeLibrary.selectCpuGemm(chosen);
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    @Test
    void aCheckpointWithAnUnknownGemmLibraryIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertThrows(IllegalStateException.class, () -> train(run, crashAfterStep(6), Trainer::run));
        Path state = Checkpoint.latest(run).resolve("trainer_state.json");
        Files.writeString(state, Files.readString(state).replaceFirst("\"cpu_gemm\" : \"\\w+\"", "\"cpu_gemm\" : \"mkl\""));
        Lora4jException e = assertThrows(Lora4jException.class, () -> train(run, null, Trainer::run));
        assertTrue(e.getMessage().contains(state.toString()) && e.getMessage().contains("\"mkl\""), e.getMessage());
    }

    private static Trainer.Listener crashAfterStep(int step) {
        return new Trainer.Listener() {
            @Override
            public void onStep(Trainer.StepMetrics m) {
                if (m.step() == step) {
                    throw new IllegalStateException("simulated kill after step " + step);
                }
            }
        };
    }

    @Test
    void aNanLossStopsWithAClearErrorAndKeepsTheLastCheckpoint(@TempDir Path dir) {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
            PeftModel lora = PeftModel.wrap(model, LoraConfig.defaults().withR(2), 1);
            Trainer.Listener poison = new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    if (m.step() == 5) {
                        try (var noGrad = Autograd.noGrad()) {
                            ((LoraModel) lora.adapter()).adapters().values().iterator().next().loraA().fill(Double.NaN);
                        }
                    }
                }
            };
            Trainer trainer = new Trainer(TrainableModel.adapter(lora, "tiny"), config().withEvaluation(0, 0), examples,
                    List.of(), tokenizer.padTokenId(), dir, poison);
            Lora4jException e = assertThrows(Lora4jException.class, trainer::run);
            assertTrue(e.getMessage().contains("at step 6") && e.getMessage().contains("NaN"), e.getMessage());
            assertEquals("step-00000005", Checkpoint.latest(dir).getFileName().toString());
        }
    }

    @Test
    void fullFineTuningTrainsEveryParameterAndResumes(@TempDir Path dir) {
        TrainerConfig config = config().withSteps(4, 0).withCheckpoints(2, 1).withEvaluation(0, 0);
        float[] straight;
        float[] resumed;
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
            new Trainer(TrainableModel.full(model), config, examples, List.of(), 0, dir.resolve("a"), null).run();
            straight = model.namedParameters().get("shared.weight").toFloatArray();
        }
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
            Trainer.Listener crash = new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    if (m.step() == 3) {
                        throw new IllegalStateException("kill");
                    }
                }
            };
            assertThrows(IllegalStateException.class,
                    () -> new Trainer(TrainableModel.full(model), config, examples, List.of(), 0, dir.resolve("b"), crash).run());
        }
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
            new Trainer(TrainableModel.full(model), config, examples, List.of(), 0, dir.resolve("b"), null).run();
            resumed = model.namedParameters().get("shared.weight").toFloatArray();
            assertTrue(Files.isRegularFile(Checkpoint.latest(dir.resolve("b")).resolve("weights").resolve("config.json")));
        }
        assertArrayEquals(straight, resumed, 0f);
        assertFalse(java.util.Arrays.equals(straight, new float[straight.length]));
    }

    /**
     * A bfloat16 model trains fully through float32 master weights: the checkpoint holds float32 values
     * that bfloat16 cannot represent (the masters, updated at float32 resolution), the model's weights
     * are those masters rounded, and a killed run resumes to the same weights as an uninterrupted one.
     */
    @Test
    void fullFineTuningInBfloat16TrainsFloat32MasterWeightsAndResumesExactly(@TempDir Path dir) throws Exception {
        TrainerConfig config = config().withSteps(4, 0).withCheckpoints(2, 1).withEvaluation(0, 0);
        float[] straight;
        float[] resumed;
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.BFLOAT16)) {
            float[] initial = model.namedParameters().get("shared.weight").toFloatArray();
            new Trainer(TrainableModel.full(model), config, examples, List.of(), 0, dir.resolve("a"), null).run();
            straight = model.namedParameters().get("shared.weight").toFloatArray();
            assertEquals(DType.BFLOAT16, model.namedParameters().get("shared.weight").dtype(), "the model stays in bfloat16");
            assertFalse(java.util.Arrays.equals(initial, straight), "training moved the bfloat16 weights");

            Path weights = Checkpoint.latest(dir.resolve("a")).resolve("weights").resolve("model.safetensors");
            try (SafetensorsFile file = SafetensorsFile.open(weights); Scope scope = Scope.open()) {
                assertEquals(DType.FLOAT32, file.info("shared.weight").dtype(), "the checkpoint holds the float32 masters");
                Tensor master = TensorFiles.read(file, "shared.weight", Device.CPU, model.namedParameters().get("shared.weight").shape());
                float[] masterValues = master.toFloatArray();
                float[] rounded = master.to(DType.BFLOAT16).toFloatArray();
                assertArrayEquals(rounded, straight, 0f, "the model's weights are the masters rounded to bfloat16");
                assertFalse(java.util.Arrays.equals(masterValues, rounded), "the masters keep float32 resolution");
            }
        }
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.BFLOAT16)) {
            Trainer.Listener crash = new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    if (m.step() == 3) {
                        throw new IllegalStateException("kill");
                    }
                }
            };
            assertThrows(IllegalStateException.class,
                    () -> new Trainer(TrainableModel.full(model), config, examples, List.of(), 0, dir.resolve("b"), crash).run());
        }
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.BFLOAT16)) {
            new Trainer(TrainableModel.full(model), config, examples, List.of(), 0, dir.resolve("b"), null).run();
            resumed = model.namedParameters().get("shared.weight").toFloatArray();
        }
        assertArrayEquals(straight, resumed, 0f);
    }
}
