package dev.lora4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.train.LrSchedule;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The lora4j side of a method's training-parity test against a Python loop (PEFT's or AdapterHub's) that
 * wrote dir/base, dir/adapter (untrained) and dir/trained: the same DialogSum rows, prompt, truncation,
 * AdamW (lr 1e-3, weight decay 0.01), linear schedule with 5 warmup steps, clipping at 1.0, batch 4,
 * float32. Every step's loss within 1e-3 relative of the reference's, and each trained tensor within 1% of
 * the distance training moved it of the reference's trained tensor; tensors whose gradient is
 * zero in exact arithmetic (zeroGradientSuffix) only have to stay small next to the largest movement.
 */
public final class MethodTrainingParity {
    private MethodTrainingParity() {}

    /**
     * @param caller      the test's name, for the printed figures
     * @param ref         the reference's JSON: "losses" and "trainable" (the trainable element count)
     * @param weightsFile the adapter's weights file name in dir/adapter and dir/trained
     * @param tokenizer   how the reference's transformers tokenizes (its major version decides; 4.x reads the
     *                    file's own pipeline, 5 its legacy one, which differs on runs of whitespace)
     */
    public static void check(String caller, String method, JsonNode ref, Path dir, int steps, String weightsFile,
                             String zeroGradientSuffix, T5Tokenizer.Compatibility tokenizer) throws Exception {
        Path data = SharedData.path("dialogsum/dialogsum.train.jsonl");
        Path tokenizerDir = SharedData.path("flan-t5-small");
        NativeLibrary.setNumThreads(2);
        T5Tokenizer tok = T5Tokenizer.load(tokenizerDir, tokenizer);
        List<DialogueExample> rows = DialogueDatasets.dialogSum(data).examples().subList(0, steps * 4);
        List<TokenizedExample> examples = new SummarizationEncoder(tok, SummarizationPrompt.DEFAULT, 128, 64).encodeAll(rows);
        TrainerConfig config = TrainerConfig.defaults()
                .withLearningRate(1e-3)
                .withOptimizer(0.9, 0.999, 1e-8, 0.01, 1.0)
                .withSchedule(LrSchedule.LINEAR)
                .withSteps(steps, 5)
                .withBatching(4, 1, false);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            PeftModel peft;
            Path encoder = dir.resolve("encoder.safetensors");
            if (Files.exists(encoder)) {
                // P-tuning: PEFT's file holds the encoder's output only, so the adapter is attached as trained
                // (through its encoder) and the reference's initial encoder is copied in by name.
                peft = PeftModel.wrap(model, PeftModel.readConfig(dir.resolve("adapter")), 0);
                try (Scope scope = Scope.open()) {
                    TensorFiles.copyInto(peft.trainableParameters(), encoder);
                }
            } else {
                peft = PeftModel.load(model, dir.resolve("adapter"), 0);
            }
            assertEquals(ref.get("trainable").asLong(),
                    peft.trainableParameters().values().stream().mapToLong(Tensor::numel).sum(), "the reference's trainable count");
            Trainer trainer = new Trainer(TrainableModel.adapter(peft, "random"), config, examples, List.of(),
                    tok.padTokenId(), null, null);
            List<Double> losses = trainer.run().losses();
            assertEquals(steps, losses.size());
            double worst = 0;
            for (int i = 0; i < steps; i++) {
                double want = ref.get("losses").get(i).asDouble();
                double err = Math.abs(losses.get(i) - want) / Math.abs(want);
                worst = Math.max(worst, err);
                assertTrue(err <= 1e-3, method + " step " + (i + 1) + ": lora4j " + losses.get(i) + ", reference " + want);
            }
            double first = Math.abs(losses.get(0) - ref.get("losses").get(0).asDouble()) / Math.abs(ref.get("losses").get(0).asDouble());
            System.out.printf("%s (%s): %d steps, worst relative loss difference %.2e (step 1: %.2e)%n", caller, method, steps,
                    worst, first);

            try (SafetensorsFile trained = SafetensorsFile.open(dir.resolve("trained").resolve(weightsFile));
                 SafetensorsFile initial = SafetensorsFile.open(dir.resolve("adapter").resolve(weightsFile));
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
                    assertTrue(moved > 0, e.getKey() + " was updated by the reference");
                    if (zeroGradientSuffix != null && e.getKey().endsWith(zeroGradientSuffix)) {
                        noise.add(new double[] {moved, ours});
                        continue;
                    }
                    largest = Math.max(largest, moved);
                    worstWeights = Math.max(worstWeights, off / moved);
                    assertTrue(off <= 0.01 * moved, method + " " + e.getKey() + ": distance from the reference's trained tensor " + off
                            + " is not small next to the distance training moved it, " + moved);
                }
                for (double[] n : noise) {
                    assertTrue(n[0] < 0.05 * largest && n[1] < 0.05 * largest, method + ": a zero-gradient tensor moved " + n[1]
                            + " here and " + n[0] + " in the reference, not small next to " + largest);
                }
                System.out.printf("%s (%s): trained tensors, worst |ours - reference| / |reference - initial| = %.2e "
                        + "(largest movement %.2e; %d zero-gradient tensors left aside)%n", caller, method, worstWeights, largest, noise.size());
            }
        }
    }
}
