package dev.lora4j.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model's own behaviour: initialisation, ownership, modes, layer replacement, incremental decoding. */
class T5ModelTest {
    private static final T5Config FLAN_TINY = T5SaveLoadTest.tinyConfig("gated-gelu", false);
    private static final T5Config V10_TINY = T5SaveLoadTest.tinyConfig("relu", true);

    private static Tensor ids() {
        return Tensor.of(new long[] {5, 9, 12, 1, 33, 7, 1, 0}, 2, 4);
    }

    private static Tensor mask() {
        return Tensor.of(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, 2, 4);
    }

    private static Tensor labels() {
        return Tensor.of(new long[] {4, 8, 1, 17, 1, -100}, 2, 3);
    }

    @Test
    void fromConfigFollowsTransformersInitialisationScheme() {
        double factor = 0.5;
        T5Config config = T5Config.parse("""
                {"model_type": "t5", "vocab_size": 512, "d_model": 64, "d_kv": 8, "d_ff": 192, "num_layers": 1,
                 "num_heads": 6, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
                 "initializer_factor": %s}""".formatted(factor));
        double dModel = 64;
        double inner = 6 * 8;
        Map<String, Double> expectedStd = Map.of(
                "shared.weight", factor,
                "lm_head.weight", factor,
                "SelfAttention.q.weight", factor / Math.sqrt(dModel * 8),
                "SelfAttention.k.weight", factor / Math.sqrt(dModel),
                "SelfAttention.o.weight", factor / Math.sqrt(inner),
                "relative_attention_bias.weight", factor / Math.sqrt(dModel),
                "DenseReluDense.wi_0.weight", factor / Math.sqrt(dModel),
                "DenseReluDense.wo.weight", factor / Math.sqrt(192));
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 7, Device.CPU, DType.FLOAT32)) {
            int checked = 0;
            for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
                double[] v = p.getValue().toDoubleArray();
                if (p.getKey().endsWith("layer_norm.weight")) {
                    for (double x : v) {
                        assertEquals(factor, x, p.getKey());
                    }
                    checked++;
                    continue;
                }
                for (Map.Entry<String, Double> e : expectedStd.entrySet()) {
                    if (p.getKey().endsWith(e.getKey())) {
                        double mean = 0;
                        for (double x : v) {
                            mean += x / v.length;
                        }
                        double variance = 0;
                        for (double x : v) {
                            variance += (x - mean) * (x - mean) / v.length;
                        }
                        double std = Math.sqrt(variance);
                        // Tensors of ≥ 192 values: the sample std is within 15% of the true one.
                        assertEquals(e.getValue(), std, 0.15 * e.getValue(), p.getKey() + " std");
                        assertEquals(0.0, mean, 0.3 * e.getValue(), p.getKey() + " mean");
                        checked++;
                    }
                }
            }
            assertTrue(checked > 10, "checked " + checked);
        }
    }

    @Test
    void aSeedGivesOneModel() {
        try (T5ForConditionalGeneration a = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 1, Device.CPU, DType.FLOAT32);
             T5ForConditionalGeneration b = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 1, Device.CPU, DType.FLOAT32);
             T5ForConditionalGeneration c = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 2, Device.CPU, DType.FLOAT32)) {
            String q = "encoder.block.0.layer.0.SelfAttention.q.weight";
            assertArrayEquals(a.namedParameters().get(q).toFloatArray(), b.namedParameters().get(q).toFloatArray());
            assertFalse(java.util.Arrays.equals(a.namedParameters().get(q).toFloatArray(), c.namedParameters().get(q).toFloatArray()));
        }
    }

    @Test
    void weightsOutliveTheScopeTheModelWasCreatedIn() {
        T5ForConditionalGeneration model;
        try (Scope scope = Scope.open()) {
            model = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 1, Device.CPU, DType.FLOAT32);
            assertEquals(0, scope.size(), "no model tensor belongs to the caller's scope");
        }
        try (model; Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            Tensor ids = ids();
            Tensor mask = mask();
            Tensor labels = labels();
            int before = scope.size();
            T5Output out = model.forward(ids, mask, null, labels);
            assertEquals(before + 3, scope.size(), "only logits, loss and the encoder output reach the caller's scope");
            assertArrayEquals(new long[] {2, 3, 64}, out.logits().shape());
            assertTrue(Double.isFinite(out.loss().item()));
        }
        assertThrows(Lora4jException.class, model::namedParameters, "a closed model refuses use");
        model.close(); // idempotent
    }

    @Test
    void labelsAreShiftedRightWithTheStartTokenAndPadForIgnoredPositions() {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 1, Device.CPU, DType.FLOAT32);
             Scope scope = Scope.open()) {
            Tensor labels = Tensor.of(new long[] {4, 8, 1, 17, -100, -100}, 2, 3);
            assertArrayEquals(new long[] {0, 4, 8, 0, 17, 0}, model.shiftRight(labels).toLongArray());
        }
    }

    @Test
    void dropoutOnlyInTrainingAndReproducibleWithASeededGenerator() {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 1, Device.CPU, DType.FLOAT32);
             Scope scope = Scope.open()) {
            assertEquals(0.1, model.config().dropoutRate());
            float[] eval1 = model.forward(ids(), mask(), null, labels()).logits().toFloatArray();
            float[] eval2 = model.forward(ids(), mask(), null, labels()).logits().toFloatArray();
            assertArrayEquals(eval1, eval2);
            float[] seeded1;
            float[] seeded2;
            float[] otherSeed;
            try (Generator g = new Generator(42)) {
                model.train(g);
                T5Output out = model.forward(ids(), mask(), null, labels());
                seeded1 = out.logits().toFloatArray();
                out.loss().backward();
                assertNotNull(model.namedParameters().get("shared.weight").grad(), "training builds a graph");
            }
            try (Generator g = new Generator(42)) {
                model.train(g);
                seeded2 = model.forward(ids(), mask(), null, labels()).logits().toFloatArray();
            }
            try (Generator g = new Generator(43)) {
                model.train(g);
                otherSeed = model.forward(ids(), mask(), null, labels()).logits().toFloatArray();
            }
            model.eval();
            model.namedParameters().values().forEach(Tensor::zeroGrad);
            assertArrayEquals(seeded1, seeded2, "same seed, same dropout masks");
            assertFalse(java.util.Arrays.equals(seeded1, eval1), "dropout changes training outputs");
            assertFalse(java.util.Arrays.equals(seeded1, otherSeed), "another seed, other masks");
            assertArrayEquals(eval1, model.forward(ids(), mask(), null, labels()).logits().toFloatArray(),
                    "eval() turns dropout off again");
        }
    }

    /** A wrapper in the way LoRA is one: base output plus something, with parameters of its own. */
    static final class ShiftedLinear extends LinearLayer {
        final LinearLayer base;
        final Tensor shift;

        ShiftedLinear(LinearLayer base, double value) {
            this.base = registerChild("base_layer", LinearLayer.class, base).get();
            this.shift = registerParameter("shift",
                    Scope.detached(() -> Tensor.full(value, DType.FLOAT32, Device.CPU, base.outFeatures())));
        }

        @Override
        public Tensor forward(Tensor x) {
            return base.forward(x).add(shift);
        }

        @Override
        public long inFeatures() {
            return base.inFeatures();
        }

        @Override
        public long outFeatures() {
            return base.outFeatures();
        }

        @Override
        public DType computeDType() {
            return base.computeDType();
        }
    }

    @Test
    void linearLayersAreListedByModulePathAndCanBeReplaced() {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 1, Device.CPU, DType.FLOAT32);
             Scope scope = Scope.open()) {
            Map<String, LinearLayer> layers = model.linearLayers();
            // Encoder: 4 attention + 3 FFN projections per block; decoder: 4 + 4 + 3.
            assertEquals(2 * 7 + 2 * 11, layers.size());
            List<String> paths = List.copyOf(layers.keySet());
            assertEquals("encoder.block.0.layer.0.SelfAttention.q", paths.get(0));
            assertEquals("encoder.block.0.layer.1.DenseReluDense.wi_0", paths.get(4));
            assertTrue(paths.contains("decoder.block.1.layer.1.EncDecAttention.v"));
            assertEquals("decoder.block.1.layer.2.DenseReluDense.wo", paths.get(paths.size() - 1));

            float[] before = model.forward(ids(), mask(), null, labels()).logits().toFloatArray();
            String path = "decoder.block.0.layer.0.SelfAttention.v";
            LinearLayer original = layers.get(path);
            LinearLayer replaced = model.replaceLinear(path, new ShiftedLinear(original, 0.0));
            assertSame(original, replaced);
            assertArrayEquals(before, model.forward(ids(), mask(), null, labels()).logits().toFloatArray(),
                    "a wrapper adding zero changes nothing");
            assertTrue(model.namedParameters().containsKey(path + ".base_layer.weight"));
            assertTrue(model.namedParameters().containsKey(path + ".shift"));
            assertFalse(model.namedParameters().containsKey(path + ".weight"));

            ShiftedLinear zero = (ShiftedLinear) model.replaceLinear(path, original); // original back in place
            zero.shift.close(); // the wrapper's base is original, which stays installed
            assertSame(original, model.replaceLinear(path, new ShiftedLinear(original, 0.5)));
            float[] shifted = model.forward(ids(), mask(), null, labels()).logits().toFloatArray();
            assertFalse(java.util.Arrays.equals(before, shifted), "the model calls the installed layer");

            assertThrows(Lora4jException.class, () -> model.replaceLinear("encoder.block.9.layer.0.SelfAttention.q", original));
            Linear wrongShape = Scope.detached(() -> new Linear(Tensor.zeros(3, 16), null));
            try (wrongShape) {
                Lora4jException e = assertThrows(Lora4jException.class,
                        () -> model.replaceLinear("encoder.block.0.layer.0.SelfAttention.q", wrongShape));
                assertTrue(e.getMessage().contains("16 -> 3"), e.getMessage());
            }
        }
    }

    @Test
    void incrementalDecodingMatchesTheWholeSequenceDecoder() {
        for (T5Config config : List.of(FLAN_TINY, V10_TINY)) {
            try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 3, Device.CPU, DType.FLOAT32);
                 Scope scope = Scope.open();
                 var noGrad = Autograd.noGrad()) {
                long[] targets = {0, 4, 8, 15, 16, 23, 42, 0, 9, 9, 9, 1, 0, 0};
                Tensor decoderIds = Tensor.of(targets, 2, 7);
                Tensor encoderHidden = model.encode(ids(), mask()); // (2, 4, d)
                Tensor full = model.decode(decoderIds, null, encoderHidden, mask()); // (2, 7, V)
                T5KeyValueCache cache = model.startDecoding(encoderHidden, mask().ne(0), 7);
                for (int t = 0; t < 7; t++) {
                    Tensor stepLogits = model.decodeStep(decoderIds.narrow(1, t, 1).reshape(2), cache); // (2, V)
                    Tensor expected = full.narrow(1, t, 1).reshape(2, 64);
                    double error = stepLogits.sub(expected).abs().max().item();
                    double scale = expected.abs().max().item();
                    assertTrue(error <= 1e-5 * scale, "step " + t + ": error " + error + " at scale " + scale);
                }
                assertEquals(7, cache.length());
            }
        }
    }

    @Test
    void generationRejectsImpossibleSettings() {
        assertThrows(Lora4jException.class, () -> GenerationConfig.greedy(0));
        assertThrows(Lora4jException.class, () -> GenerationConfig.beams(0, 5));
        assertThrows(Lora4jException.class, () -> GenerationConfig.greedy(5).withMinNewTokens(6));
        assertThrows(Lora4jException.class, () -> GenerationConfig.greedy(5).withNoRepeatNgramSize(-1));
    }

    @Test
    void noRepeatNgramBansTheTokensThatWouldRepeatAnNgram() {
        long[] tokens = {0, 7, 3, 7, 5, 7};
        assertEquals(List.of(3L, 5L), List.copyOf(NoRepeatNgram.bannedTokens(tokens, 6, 2)));
        assertEquals(List.of(), List.copyOf(NoRepeatNgram.bannedTokens(tokens, 6, 3)), "(5, 7) occurs once");
        assertEquals(List.of(0L, 7L, 3L, 5L), List.copyOf(NoRepeatNgram.bannedTokens(tokens, 6, 1)));
        assertEquals(List.of(), List.copyOf(NoRepeatNgram.bannedTokens(tokens, 2, 3)), "no complete 3-gram yet");
    }

    @Test
    void cudaMatchesCpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device");
        try (T5ForConditionalGeneration cpu = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 4, Device.CPU, DType.FLOAT32);
             T5ForConditionalGeneration cuda = T5ForConditionalGeneration.fromConfig(FLAN_TINY, 4, Device.cuda(0), DType.FLOAT32);
             Scope scope = Scope.open()) {
            Tensor expected = cpu.forward(ids(), mask(), null, labels()).logits();
            Tensor got = cuda.forward(ids(), mask(), null, labels()).logits().to(Device.CPU);
            double error = got.sub(expected).abs().max().item();
            assertTrue(error <= 1e-4 * expected.abs().max().item(), "cuda vs cpu logits: " + error);
            GenerationConfig beams = GenerationConfig.beams(3, 6);
            assertArrayEquals(T5Generation.generate(cpu, ids(), mask(), beams),
                    T5Generation.generate(cuda, ids(), mask(), beams));
        }
    }
}
