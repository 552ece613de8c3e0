package dev.lora4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.bitfit.BitFitConfig;
import dev.lora4j.peft.ia3.Ia3Config;
import dev.lora4j.peft.lntuning.LnTuningConfig;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trainer's checkpoints work for IA3, LN tuning, BitFit and DoRA (with dropout) as for LoRA (TrainerResumeTest): a run killed
 * after step 5 and resumed from its step-4 checkpoint ends with exactly the tensors of an uninterrupted run,
 * and training moved them.
 */
class MethodsResumeTest {
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 384, "d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2,
             "num_decoder_layers": 2, "num_heads": 4, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "dropout_rate": 0.1, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;
    private static final int STEPS = 7;
    private static List<TokenizedExample> examples;
    private static ByT5Tokenizer tokenizer;

    @BeforeAll
    static void data() {
        tokenizer = ByT5Tokenizer.create();
        var rows = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.dev.jsonl")).examples().subList(0, 16);
        examples = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 64, 16).encodeAll(rows);
    }

    private static MethodConfig config(String method) {
        return switch (method) {
            case "ia3" -> Ia3Config.defaults();
            case "ln" -> LnTuningConfig.defaults();
            // DoRA with dropout: its masks come from the layer's Philox stream, so the resumed run redraws them.
            case "dora" -> LoraConfig.defaults().withDora(true).withDropout(0.1);
            default -> BitFitConfig.defaults().withModulesToSave(List.of("layer_norm"));
        };
    }

    /** Steps the last train() call trained (a resumed run trains only those after its checkpoint). */
    private static int lastSteps;

    private static Map<String, float[]> train(String method, Path runDir, Trainer.Listener listener, boolean initial) {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
            PeftModel peft = PeftModel.wrap(model, config(method), 5);
            Map<String, float[]> out = new TreeMap<>();
            if (!initial) {
                TrainerConfig config = TrainerConfig.defaults().withLearningRate(3e-3).withSchedule(LrSchedule.COSINE)
                        .withSteps(STEPS, 2).withBatching(4, 1, true).withCheckpoints(4, 2).withEvaluation(0, 0).withSeed(7);
                lastSteps = new Trainer(TrainableModel.adapter(peft, "tiny"), config, examples, List.of(), tokenizer.padTokenId(),
                        runDir, listener).run().losses().size();
            }
            peft.stateDict().forEach((k, t) -> out.put(k, t.toFloatArray()));
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ia3", "ln", "bitfit", "dora"})
    void killedAndResumedEqualsUninterrupted(String method, @TempDir Path dir) {
        Map<String, float[]> start = train(method, null, null, true);
        Map<String, float[]> straight = train(method, dir.resolve("straight"), null, false);
        Path run = dir.resolve("killed");
        Trainer.Listener crash = new Trainer.Listener() {
            @Override
            public void onStep(Trainer.StepMetrics m) {
                if (m.step() == 5) {
                    throw new IllegalStateException("simulated kill after step 5");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> train(method, run, crash, false));
        Map<String, float[]> resumed = train(method, run, null, false);
        assertEquals(STEPS - 4, lastSteps, "the resumed run starts from the step-4 checkpoint");
        assertEquals(straight.keySet(), resumed.keySet());
        boolean moved = false;
        for (String key : straight.keySet()) {
            assertArrayEquals(straight.get(key), resumed.get(key), 0f, key);
            moved |= !java.util.Arrays.equals(start.get(key), straight.get(key));
        }
        assertTrue(moved, method + ": training changed the adapter");
    }
}
