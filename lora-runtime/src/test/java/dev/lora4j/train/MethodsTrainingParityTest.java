package dev.lora4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training parity of IA3, LN tuning, BitFit (BEFT), prompt tuning and prefix tuning with a transformers + PEFT loop, as
 * {@link TrainingParityTest} does for LoRA: the same random FLAN-shaped base, the untrained adapter saved
 * by PEFT (default initialisation: ones, copies, zeros) and loaded here, the same data, AdamW, schedule and
 * clipping, float32, dropout 0; 20 steps. Every step's loss within 1e-3 relative of PEFT's, and each trained
 * tensor within a tenth of the distance training moved it of PEFT's trained tensor (biases on k, whose
 * gradient is zero, only have to stay put on both sides). About 35 s per method, most of it the Python side.
 * DoRA runs 50 steps with trained tensors within 1% of the distance they moved.
 */
class MethodsTrainingParityTest {
    private static final int STEPS = 20;
    /**
     * A bias on k has a zero gradient in exact arithmetic (it shifts every score of a query's row by the same
     * amount, which softmax ignores), so both sides move it by rounding noise that Adam's normalisation
     * amplifies (measured up to 1.2e-4, where the trained biases move about 1e-2): such a tensor only has to
     * stay small next to the largest movement of any tensor, on both sides.
     */
    private static final String ZERO_GRADIENT = ".k.beft_bias";

    @ParameterizedTest
    @ValueSource(strings = {"ia3", "ln", "bitfit", "prompt", "prefix"})
    void twentyStepsMatchPeft(String method, @TempDir Path dir) throws Exception {
        matchesPeft(method, STEPS, 0.1, dir);
    }

    /**
     * DoRA (LoRA with use_dora, r 8, alpha 16 on q, k, v, o, wi_0, wi_1, wo; B zero, magnitudes the row norms of W)
     * over 50 steps: losses within 1e-3 relative, and every trained lora_A, lora_B and magnitude within 1% of the
     * distance training moved it.
     */
    @Test
    void doraFiftyStepsMatchPeft(@TempDir Path dir) throws Exception {
        matchesPeft("dora", 50, 0.01, dir);
    }

    private void matchesPeft(String method, int steps, double weightTolerance, Path dir) throws Exception {
        Path data = SharedData.path("dialogsum/dialogsum.train.jsonl");
        Path tokenizerDir = SharedData.path("flan-t5-small");
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."),
                "lora-runtime/src/test/python/peft_methods_training_reference.py");
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(script, dir.toString(), data.toString(),
                tokenizerDir.toString(), String.valueOf(steps), method));

        NativeLibrary.setNumThreads(2);
        T5Tokenizer tokenizer = T5Tokenizer.load(tokenizerDir, T5Tokenizer.Compatibility.TRANSFORMERS_5);
        List<DialogueExample> rows = DialogueDatasets.dialogSum(data).examples().subList(0, steps * 4);
        List<TokenizedExample> examples = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 128, 64).encodeAll(rows);
        TrainerConfig config = TrainerConfig.defaults()
                .withLearningRate(1e-3)
                .withOptimizer(0.9, 0.999, 1e-8, 0.01, 1.0)
                .withSchedule(LrSchedule.LINEAR)
                .withSteps(steps, 5)
                .withBatching(4, 1, false);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            PeftModel peft = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals(ref.get("trainable").asLong(),
                    peft.trainableParameters().values().stream().mapToLong(Tensor::numel).sum(), "PEFT's trainable count");
            Trainer trainer = new Trainer(TrainableModel.adapter(peft, "random"), config, examples, List.of(),
                    tokenizer.padTokenId(), null, null);
            List<Double> losses = trainer.run().losses();
            assertEquals(steps, losses.size());
            double worst = 0;
            for (int i = 0; i < steps; i++) {
                double want = ref.get("losses").get(i).asDouble();
                double err = Math.abs(losses.get(i) - want) / Math.abs(want);
                worst = Math.max(worst, err);
                assertTrue(err <= 1e-3, method + " step " + (i + 1) + ": lora4j " + losses.get(i) + ", PEFT " + want);
            }
            System.out.printf("MethodsTrainingParityTest (%s): %d steps, worst relative loss difference %.2e%n", method, steps, worst);

            try (SafetensorsFile trained = SafetensorsFile.open(dir.resolve("trained").resolve(AdapterFiles.WEIGHTS_FILE));
                 SafetensorsFile initial = SafetensorsFile.open(dir.resolve("adapter").resolve(AdapterFiles.WEIGHTS_FILE));
                 Scope scope = Scope.open()) {
                double worstWeights = 0;
                double largest = 0;
                List<double[]> noise = new java.util.ArrayList<>();
                for (var e : peft.stateDict().entrySet()) {
                    long[] shape = e.getValue().shape();
                    Tensor want = TensorFiles.read(trained, e.getKey(), Device.CPU, shape).to(DType.FLOAT64);
                    Tensor start = TensorFiles.read(initial, e.getKey(), Device.CPU, shape).to(DType.FLOAT64);
                    double moved = want.sub(start).pow(2).sum().sqrt().item();
                    double off = e.getValue().to(DType.FLOAT64).sub(want).pow(2).sum().sqrt().item();
                    double ours = e.getValue().to(DType.FLOAT64).sub(start).pow(2).sum().sqrt().item();
                    assertTrue(moved > 0, e.getKey() + " was updated by PEFT");
                    if (e.getKey().endsWith(ZERO_GRADIENT)) {
                        noise.add(new double[] {moved, ours});
                        continue;
                    }
                    largest = Math.max(largest, moved);
                    worstWeights = Math.max(worstWeights, off / moved);
                    assertTrue(off <= weightTolerance * moved, method + " " + e.getKey() + ": distance from PEFT's trained tensor " + off
                            + " is not small next to the distance training moved it, " + moved);
                }
                for (double[] n : noise) {
                    assertTrue(n[0] < 0.05 * largest && n[1] < 0.05 * largest, method + ": a bias on k moved " + n[1]
                            + " here and " + n[0] + " in PEFT, not small next to " + largest);
                }
                System.out.printf("MethodsTrainingParityTest (%s): trained tensors, worst |ours - PEFT| / |PEFT - initial| = %.2e "
                        + "(largest movement %.2e; %d biases on k left aside)%n", method, worstWeights, largest, noise.size());
            }
        }
    }
}
