package dev.lora4j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.testing.JsonArrays;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.train.LrSchedule;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/**
 * QLoRA training parity with transformers + PEFT + bitsandbytes on the CPU (qlora_training_reference.py):
 * the same random FLAN-shaped base saved in float32, quantized by each side at load (transformers through
 * BitsAndBytesConfig, lora4j through {@code T5ForConditionalGeneration.load(..., QuantConfig)}: the same layers become 4-bit), the same untrained
 * PEFT adapter over q, v, wi_0 (4-bit bases) and wo (a float32 base), dropout 0, the loop of TrainingParityTest;
 * 30 steps on DialogSum, NF4 with double quantization. Every loss within 1e-3 relative of PEFT's (asked; measured
 * 1.2e-7, and the same with FP4 without double quantization), then greedy generation (float32 compute) of two
 * examples with the trained adapter: the same token ids as PEFT's.
 */
class QLoraTrainingParityTest {
    private static final int STEPS = 30;

    @Test
    void thirtyQLoraStepsMatchPeftWithBitsandbytes(@TempDir Path dir) throws Exception {
        assertQLoraTracksPeft(dir, DType.FLOAT32, STEPS);
    }

    /**
     * A bfloat16 load: the 4-bit layers quantized from bfloat16 weights, every other parameter read as
     * bfloat16 and then held in float32 (PEFT's prepare_model_for_kbit_training). 10 steps.
     */
    @Test
    void bfloat16LoadPreparedForKbitTrainingMatchesPeft(@TempDir Path dir) throws Exception {
        assertQLoraTracksPeft(dir, DType.BFLOAT16, 10);
    }

    private static void assertQLoraTracksPeft(Path dir, DType loadType, int steps) throws Exception {
        String quantType = "nf4";
        int doubleQuant = 1;
        String dtypeName = loadType == DType.FLOAT32 ? "float32" : "bfloat16";
        Path data = SharedData.path("dialogsum/dialogsum.train.jsonl");
        Path tokenizerDir = SharedData.path("flan-t5-small");
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."), "lora-runtime/src/test/python/qlora_training_reference.py");
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(script, dir.toString(), data.toString(),
                tokenizerDir.toString(), String.valueOf(steps), quantType, String.valueOf(doubleQuant), dtypeName));
        assertEquals("[\"torch.float32\"]", ref.get("adapter_dtypes").toString(), "PEFT trains float32 adapters");

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
        QuantConfig quant = QuantConfig.qlora().withType(QuantType.parse(quantType)).withDoubleQuant(doubleQuant == 1);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, loadType, quant)) {
            List<String> quantized = new ArrayList<>();
            model.linearLayers().forEach((path, layer) -> {
                if (layer instanceof Linear4bit) {
                    quantized.add(path);
                }
            });
            List<String> dtypes = new ArrayList<>();
            ref.get("param_dtypes").forEach(n -> dtypes.add(n.asText()));
            for (var e : model.namedParameters().entrySet()) {
                DType t = e.getValue().dtype();
                assertTrue(t == DType.FLOAT32 || t == DType.UINT8, e.getKey() + " is " + t + "; PEFT's parameters: " + dtypes);
            }
            List<String> bnb4bit = new ArrayList<>();
            ref.get("layer_types").fields().forEachRemaining(e -> {
                if (e.getValue().asText().equals("Linear4bit")) {
                    bnb4bit.add(e.getKey());
                }
            });
            assertEquals(bnb4bit.stream().sorted().toList(), quantized.stream().sorted().toList(), "the same layers are 4-bit");
            for (Map.Entry<String, ? extends LinearLayer> e : model.linearLayers().entrySet()) {
                assertEquals(quantized.contains(e.getKey()), e.getValue() instanceof Linear4bit, e.getKey());
            }
            PeftModel lora = PeftModel.load(model, dir.resolve("adapter"), 0);
            Trainer trainer = new Trainer(TrainableModel.adapter(lora, "random"), config, examples, List.of(),
                    tokenizer.padTokenId(), null, null);
            List<Double> losses = trainer.run().losses();
            assertEquals(steps, losses.size());
            double worst = 0;
            for (int i = 0; i < steps; i++) {
                double want = ref.get("losses").get(i).asDouble();
                double err = Math.abs(losses.get(i) - want) / Math.abs(want);
                worst = Math.max(worst, err);
                assertTrue(err <= 1e-3, quantType + " step " + (i + 1) + ": lora4j " + losses.get(i) + ", PEFT " + want);
            }
            // Greedy generation with the trained adapter: the first two examples, padded as the reference's batch of four.
            int len = 0;
            for (int i = 0; i < 4; i++) {
                len = Math.max(len, examples.get(i).inputIds().length);
            }
            long[] ids = new long[2 * len];
            long[] mask = new long[2 * len];
            for (int r = 0; r < 2; r++) {
                int[] src = examples.get(r).inputIds();
                for (int j = 0; j < src.length; j++) {
                    ids[r * len + j] = src[j];
                    mask[r * len + j] = 1;
                }
            }
            model.eval();
            long[][] generated;
            try (Scope scope = Scope.open()) {
                generated = T5Generation.generate(model, Tensor.of(ids, 2, len), Tensor.of(mask, 2, len), GenerationConfig.greedy(12));
            }
            for (int r = 0; r < 2; r++) {
                assertArrayEquals(JsonArrays.longs(ref.get("generated").get(r)), generated[r], "generated ids of row " + r);
            }
            System.out.printf("QLoraTrainingParityTest (%s, double quant %d, %s load): %d steps, %d 4-bit layers, worst relative loss difference"
                    + " %.2e, first %.4f last %.4f; greedy ids identical%n", quantType, doubleQuant, dtypeName, steps, quantized.size(), worst,
                    losses.get(0), losses.get(steps - 1));
        }
    }
}
