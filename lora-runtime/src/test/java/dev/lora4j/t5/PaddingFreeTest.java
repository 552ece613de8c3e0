package dev.lora4j.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@link T5ForConditionalGeneration#forwardPaddingFree} ({@link PackedRows}) against {@link
 * T5ForConditionalGeneration#forward} of the same model in training mode (dropout 0): the same loss,
 * logits and gradient of every parameter, in float32, to 1e-6 of each tensor's largest value (measured:
 * at most 8.4e-7), since products and reductions over fewer rows may sum in another order. The padded
 * pass is itself checked against transformers by {@code T5ParityTest}; the packed one, through the
 * trainer, against PEFT on padded DialogSum batches by {@code TrainingParityTest} and
 * {@code MethodsTrainingParityTest}.
 */
class PaddingFreeTest {
    private static final double TOLERANCE = 1e-6;

    /** Rows of 6, 3 and 5 tokens padded to 6. */
    private static Tensor ids() {
        return Tensor.of(new long[] {5, 9, 12, 33, 7, 1, 8, 3, 1, 0, 0, 0, 40, 41, 42, 2, 1, 0}, 3, 6);
    }

    private static Tensor mask() {
        return Tensor.of(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0}, 3, 6);
    }

    private static Tensor labelsOf(long[] values, long rows, long length) {
        return Tensor.of(values, rows, length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gated-gelu", "relu"})
    void packedTrainingForwardGivesThePaddedLossAndGradients(String feedForward) {
        T5Config config = T5Config.parse("""
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 24, "num_layers": 2,
                 "num_decoder_layers": 3, "num_heads": 4, "relative_attention_num_buckets": 8,
                 "relative_attention_max_distance": 20, "feed_forward_proj": "%s", "tie_word_embeddings": %s,
                 "decoder_start_token_id": 0, "dropout_rate": 0.0}
                """.formatted(feedForward, feedForward.equals("relu")));
        // Row 0 labels everywhere; row 1 has an ignored label inside (kept: later positions attend to it)
        // and one at the end (dropped); row 2 only two labels.
        long[] labelValues = {4, 8, 1, 17, 9, 3, -100, 3, 1, -100, 11, 1, -100, -100, -100};
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 3, Device.CPU, DType.FLOAT32);
             Scope scope = Scope.open()) {
            model.train();
            Tensor ids = ids();
            Tensor mask = mask();
            Tensor labels = labelsOf(labelValues, 3, 5);

            Run padded = run(model, () -> model.forward(ids, mask, null, labels));
            Run packed = run(model, () -> model.forwardPaddingFree(ids, mask, labels));

            assertEquals(padded.loss, packed.loss, Math.abs(padded.loss) * TOLERANCE, "loss");
            assertEquals(padded.gradients.keySet(), packed.gradients.keySet());
            int compared = 0;
            for (String name : padded.gradients.keySet()) {
                double[] want = padded.gradients.get(name);
                double[] got = packed.gradients.get(name);
                double scale = maxAbs(want);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], Math.max(scale, 1e-300) * TOLERANCE, name + "[" + i + "]");
                }
                compared++;
            }
            assertTrue(compared > 20, "every parameter has a gradient, got " + compared);
            System.out.printf("PaddingFreeTest (%s): loss %.9f vs %.9f, worst gradient difference %.2e of the tensor's largest%n",
                    feedForward, padded.loss, packed.loss, worst(padded.gradients, packed.gradients));

            // Logits: equal where computed; zeros after a row's last label (row 1 at 4, row 2 from 2 on).
            double[] wantLogits = padded.logits;
            double[] gotLogits = packed.logits;
            long vocab = config.vocabSize();
            double logitScale = maxAbs(wantLogits);
            for (int row = 0; row < 3; row++) {
                for (int t = 0; t < 5; t++) {
                    boolean computed = !(row == 1 && t == 4) && !(row == 2 && t >= 2);
                    for (int v = 0; v < vocab; v++) {
                        int at = Math.toIntExact((row * 5L + t) * vocab + v);
                        assertEquals(computed ? wantLogits[at] : 0.0, gotLogits[at],
                                logitScale * TOLERANCE, "logit " + row + "," + t + "," + v);
                    }
                }
            }
        }
    }

    private record Run(double loss, double[] logits, Map<String, double[]> gradients) {}

    private static Run run(T5ForConditionalGeneration model, Supplier<T5Output> forward) {
        for (Tensor p : model.namedParameters().values()) {
            p.zeroGrad();
        }
        try (Scope scope = Scope.open(); T5Output out = forward.get()) {
            out.loss().backward();
            Map<String, double[]> gradients = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
                Tensor grad = p.getValue().grad();
                if (grad != null) {
                    gradients.put(p.getKey(), grad.toDoubleArray());
                }
            }
            return new Run(out.loss().item(), out.logits().toDoubleArray(), gradients);
        }
    }

    private static double worst(Map<String, double[]> want, Map<String, double[]> got) {
        double worst = 0;
        for (String name : want.keySet()) {
            double scale = Math.max(maxAbs(want.get(name)), 1e-30);
            for (int i = 0; i < want.get(name).length; i++) {
                worst = Math.max(worst, Math.abs(want.get(name)[i] - got.get(name)[i]) / scale);
            }
        }
        return worst;
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    @Test
    void nothingIsPackedWithoutPaddingOrWithoutAnyLabel() {
        try (Scope scope = Scope.open()) {
            assertNull(PackedRows.kept(Tensor.ones(DType.BOOL, Device.CPU, 2, 3)), "no padding: run padded");
            assertNull(PackedRows.kept(Tensor.zeros(DType.BOOL, Device.CPU, 2, 3)), "all padding: run padded");
            assertNull(PackedRows.upToLastLabel(labelsOf(new long[] {1, 2, 3, 4}, 2, 2)), "every label counts");
            assertNull(PackedRows.upToLastLabel(labelsOf(new long[] {-100, -100, -100, -100}, 2, 2)), "no label at all");
        }
    }

    @Test
    void decoderKeepsIgnoredLabelsBeforeARowsLastLabel() {
        try (Scope scope = Scope.open()) {
            PackedRows rows = PackedRows.upToLastLabel(labelsOf(new long[] {7, -100, 5, -100, 2, -100, -100, -100}, 2, 4));
            assertNotNull(rows);
            assertEquals(4, rows.rows(), "row 0 keeps positions 0..2, row 1 position 0");
            Tensor padded = Tensor.arange(0, 16, 1, DType.FLOAT32, Device.CPU).view(2, 4, 2);
            Tensor packed = rows.pack(padded); // (1, 4, 2)
            assertEquals(java.util.List.of(1L, 4L, 2L), java.util.Arrays.stream(packed.shape()).boxed().toList());
            assertEquals(java.util.List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 9.0),
                    java.util.Arrays.stream(packed.toDoubleArray()).boxed().toList());
            double[] back = rows.unpack(packed).toDoubleArray(); // (2, 4, 2), zero at dropped positions
            assertEquals(java.util.List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0, 8.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                    java.util.Arrays.stream(back).boxed().toList());
        }
    }
}
