package dev.lora4j.peft.lora;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.nn.Linear;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.PeftMethods;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.ParityAsserts;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DoRA against PEFT 0.21.2 ({@code LoraConfig(use_dora=True)}, peft_dora_reference.py), float32, on a random
 * FLAN-shaped T5 with the real vocabulary (2+2 layers, attention width 24 ≠ d_model 32 as in flan-t5-small) and
 * two dialogues through the real T5 tokenizer (ids checked equal on both sides):
 * <ul>
 *   <li>a fresh adapter's magnitudes are PEFT's (row norms of W);
 *   <li>PEFT's adapter, with B moved off zero and the magnitudes perturbed, loads here: loss, logits and the
 *       gradient of every lora_A, lora_B and lora_magnitude_vector; disabled logits; greedy and beam-4 ids;
 *       every merged weight; merged, unmerged and merge_and_unload logits;
 *   <li>a magnitude of the wrong shape in the file is refused naming its key and the file;
 *   <li>an adapter saved here loads in PeftModel.from_pretrained with the same keys and logits;
 *   <li>with lora_dropout 0.3 in training, one layer against PEFT's DoRA Linear whose dropout module applies
 *       the mask lora4j draws from its Philox stream: PEFT's own recomputation path with the same mask (the
 *       only honest way to compare dropout: the two libraries' random streams differ), output and the
 *       gradients of x, A, B and the magnitude; B is non-zero at init there, so the initial magnitude
 *       (row norms of W + s·B·A) is compared too.
 * </ul>
 * Tolerance: rel 1e-5 of each tensor's largest reference value.
 */
class DoraPeftParityTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/peft_dora_reference.py");
    private static final double RTOL = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The texts of peft_dora_reference.py. */
    private static final List<String> DIALOGUES = List.of(
            "#Person1#: Did you finish the report?\n#Person2#: Almost, I need one more hour.",
            "#Person1#: Where is the station?\n#Person2#: Two blocks north, next to the bank.");
    private static final List<String> SUMMARIES = List.of(
            "Person2 needs an hour to finish the report.", "The station is next to the bank.");
    private static final LoraConfig.TargetModules TARGETS = LoraConfig.TargetModules.names("q", "k", "v", "o", "wi_0", "wi_1", "wo");

    private record Inputs(Tensor ids, Tensor mask, Tensor labels) {
        static Inputs from(JsonNode ref) {
            return new Inputs(matrix(ref.get("input_ids")), matrix(ref.get("attention_mask")), matrix(ref.get("labels")));
        }

        private static Tensor matrix(JsonNode rows) {
            long[] flat = new long[0];
            for (JsonNode row : rows) {
                long[] r = longs(row);
                long[] joined = Arrays.copyOf(flat, flat.length + r.length);
                System.arraycopy(r, 0, joined, flat.length, r.length);
                flat = joined;
            }
            return Tensor.of(flat, rows.size(), rows.get(0).size());
        }

        T5Output run(T5ForConditionalGeneration model) {
            return model.forward(ids, mask, null, labels);
        }

        double[] logits(T5ForConditionalGeneration model) {
            return run(model).logits().toDoubleArray();
        }
    }

    private static Path tokenizerDir() {
        return SharedData.path("t5-tokenizer");
    }

    /** The reference's ids are what lora4j's tokenizer makes of the same texts (padding aside). */
    private static void assertSameTokenization(JsonNode ref) {
        T5Tokenizer tokenizer = T5Tokenizer.load(tokenizerDir(), T5Tokenizer.Compatibility.TRANSFORMERS_5);
        SummarizationEncoder encoder = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 128, 64);
        for (int i = 0; i < DIALOGUES.size(); i++) {
            TokenizedExample ours = encoder.encode(new DialogueExample("d" + i, DIALOGUES.get(i), List.of(SUMMARIES.get(i)), null));
            long[] ids = Arrays.stream(longs(ref.get("input_ids").get(i))).limit(ours.inputIds().length).toArray();
            long[] labels = Arrays.stream(longs(ref.get("labels").get(i))).filter(t -> t != -100).toArray();
            assertArrayEquals(Arrays.stream(ours.inputIds()).asLongStream().toArray(), ids, "input ids of dialogue " + i);
            assertArrayEquals(Arrays.stream(ours.labels()).asLongStream().toArray(), labels, "labels of dialogue " + i);
        }
    }

    /** max |want - got| ≤ RTOL · max |want|; returns the ratio. */
    private static double close(String what, double[] want, double[] got) {
        assertEquals(want.length, got.length, what + " size");
        double max = 0;
        double err = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(err <= RTOL * max, what + ": max error " + err + " > " + RTOL + " * " + max);
        return err / max;
    }

    @Test
    void aPeftDoraAdapterGivesPeftsLossLogitsGradientsGenerationsAndMerges(@TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "make", dir.toString(), tokenizerDir().toString()));
        assertSameTokenization(ref);
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            aMagnitudeOfTheWrongShapeIsRefusedNamingItsKeyAndFile(model, dir);

            // A fresh adapter (default init, B zero): each magnitude is PEFT's, the row norms of W.
            PeftModel fresh = PeftModel.wrap(model, LoraConfig.defaults().withR(4).withTargets(TARGETS).withDora(true), 1);
            double init = 0;
            for (var e : fresh.stateDict().entrySet()) {
                if (e.getKey().endsWith(LoraLinear.MAGNITUDE)) {
                    init = Math.max(init, close("initial " + e.getKey(), doubles(ref.get("initial_magnitudes").get(e.getKey())),
                            e.getValue().toDoubleArray()));
                }
            }
            fresh.unload();

            PeftModel dora = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertTrue(((LoraConfig) dora.config()).useDora(), "a LORA file with use_dora is DoRA");
            LoraModel adapter = (LoraModel) dora.adapter();
            assertEquals(36, adapter.adapters().size(), "q, k, v, o of 6 attentions and wi_0, wi_1, wo of 4 FFNs");
            assertTrue(adapter.adapters().values().stream().allMatch(LoraLinear::isDora));
            model.eval();
            T5Output out = in.run(model);
            double logits = close("logits", doubles(ref.get("logits")), out.logits().toDoubleArray());
            double loss = Math.abs(out.loss().item() - ref.get("loss").asDouble()) / ref.get("loss").asDouble();
            assertTrue(loss <= RTOL, "loss " + out.loss().item() + " vs PEFT's " + ref.get("loss").asDouble());
            out.loss().backward();
            JsonNode grads = ref.get("grads");
            TreeSet<String> want = new TreeSet<>();
            grads.fieldNames().forEachRemaining(want::add);
            assertEquals(want, new TreeSet<>(dora.stateDict().keySet()), "the trainable tensors are PEFT's, under its keys");
            double gradients = 0;
            for (Map.Entry<String, Tensor> e : dora.stateDict().entrySet()) {
                assertNotNull(e.getValue().grad(), e.getKey());
                gradients = Math.max(gradients, close("gradient of " + e.getKey(), doubles(grads.get(e.getKey())),
                        e.getValue().grad().toDoubleArray()));
            }
            System.out.printf("DoraPeftParityTest: initial magnitudes %.2e, logits %.2e, loss %.2e, gradients (108 tensors) %.2e%n",
                    init, logits, loss, gradients);

            dora.setEnabled(false);
            close("disabled logits", doubles(ref.get("disabled_logits")), in.logits(model));
            dora.setEnabled(true);
            ParityAsserts.assertTokens("greedy", ref.get("greedy"), T5Generation.generate(model, in.ids(), in.mask(),
                    GenerationConfig.greedy(8)));
            ParityAsserts.assertTokens("beam 4", ref.get("beam"), T5Generation.generate(model, in.ids(), in.mask(),
                    GenerationConfig.beams(4, 8).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));

            assertEquals(null, dora.mergeRefusal());
            dora.merge();
            double weights = 0;
            for (var e : adapter.adapters().entrySet()) {
                Tensor merged = ((Linear) e.getValue().base()).weight();
                weights = Math.max(weights, close("merged weight of " + e.getKey(),
                        doubles(ref.get("merged_weights").get(e.getKey())), merged.toDoubleArray()));
            }
            double merged = close("merged logits", doubles(ref.get("merged_logits")), in.logits(model));
            dora.unmerge();
            double unmerged = close("unmerged logits", doubles(ref.get("unmerged_logits")), in.logits(model));
            dora.mergeAndUnload();
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear), "unloaded");
            double unloaded = close("merge_and_unload logits", doubles(ref.get("merge_and_unload_logits")), in.logits(model));
            System.out.printf("DoraPeftParityTest: merged weights %.2e, merged %.2e, unmerged %.2e, merge_and_unload %.2e%n",
                    weights, merged, unmerged, unloaded);
        }
    }

    /** A copy of PEFT's adapter with one magnitude cut short: the load names the key, the shape and the file. */
    private static void aMagnitudeOfTheWrongShapeIsRefusedNamingItsKeyAndFile(T5ForConditionalGeneration model, Path dir)
            throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(dir.resolve("adapter").resolve(AdapterFiles.CONFIG_FILE), broken.resolve(AdapterFiles.CONFIG_FILE));
        String key = "base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_magnitude_vector";
        try (Scope scope = Scope.open()) {
            Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
            try (var file = dev.lora4j.io.SafetensorsFile.open(dir.resolve("adapter").resolve(AdapterFiles.WEIGHTS_FILE))) {
                for (String name : file.names()) {
                    Tensor t = dev.lora4j.io.TensorFiles.read(file, name, Device.CPU, null);
                    tensors.put(name, name.equals(key) ? t.narrow(0, 0, 10) : t);
                }
            }
            dev.lora4j.io.TensorFiles.save(tensors, Map.of("format", "pt"), broken.resolve(AdapterFiles.WEIGHTS_FILE));
        }
        Lora4jException e = assertThrows(Lora4jException.class, () -> PeftModel.load(model, broken, 0));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("shape"), e.getMessage());
        assertTrue(e.getMessage().contains(AdapterFiles.WEIGHTS_FILE), e.getMessage());
        assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear), "the model is left as it was");
    }

    @Test
    void anAdapterSavedHereLoadsInPeftWithTheSameLogits(@TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "base", dir.toString(), tokenizerDir().toString()));
        double[] ours;
        List<String> keys;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            // Through the registry name, as --method dora does: LoRA's fields with the preset's use_dora.
            var json = PeftMethods.preset("dora").orElseThrow().fields().put("peft_type", "LORA").put("r", 3)
                    .put("lora_alpha", 6).put("init_lora_weights", false);
            json.putArray("target_modules").add("q").add("o").add("wo");
            LoraConfig config = (LoraConfig) PeftMethods.forName("dora").readConfig(json, "test");
            assertTrue(config.useDora());
            assertSame(LoraMethod.class, PeftMethods.forType("LORA").getClass(), "LoRA owns peft_type LORA");
            PeftModel dora = PeftModel.wrap(model, config, 17);
            try (var noGrad = Autograd.noGrad()) {
                // Magnitudes off the norms, so the rescaling is not the identity.
                ((LoraModel) dora.adapter()).adapters().values().forEach(l -> l.magnitude().copyFrom(l.magnitude().mul(1.2).add(0.01)));
            }
            dora.save(dir.resolve("ours"), dir.resolve("base").toString());
            keys = List.copyOf(dora.stateDict().keySet());
            model.eval();
            ours = Inputs.from(ref).logits(model);
            assertTrue(PeftModel.readConfig(dir.resolve("ours")) instanceof LoraConfig c && c.useDora(), "read back as DoRA");
            dora.unload();
        }
        String configText = Files.readString(dir.resolve("ours").resolve(AdapterFiles.CONFIG_FILE));
        assertTrue(configText.contains("\"use_dora\" : true") && configText.contains("\"peft_type\" : \"LORA\""), configText);
        assertTrue(keys.contains("base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_magnitude_vector"), keys.toString());
        JsonNode peft = JSON.readTree(PythonReference.runFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("ours").toString(), tokenizerDir().toString()));
        assertTrue(peft.get("use_dora").asBoolean(), "PEFT reads use_dora");
        assertEquals(new TreeSet<>(keys).toString(), new TreeSet<>(
                java.util.stream.StreamSupport.stream(peft.get("keys").spliterator(), false).map(JsonNode::asText).toList()).toString(),
                "PEFT holds exactly the tensors of our file");
        double err = close("PEFT's logits of our adapter", doubles(peft.get("logits")), ours);
        System.out.printf("DoraPeftParityTest: our adapter in PEFT, logits %.2e%n", err);
    }

    @Test
    void withDropoutTheBaseOutputIsRecomputedOnTheDroppedInputAsPeft(@TempDir Path dir) throws Exception {
        double p = 0.3;
        RandomKey key = new RandomKey(3, 0, 0, 0);
        Path maskFile = dir.resolve("mask.json");
        try (Scope scope = Scope.open()) {
            // The mask (0 or 1/(1-p)) this layer draws on its first training call: offset 0 of its Philox stream.
            Tensor mask = LoraOps.dropout(Tensor.ones(DType.FLOAT32, Device.CPU, 3, 5, 16), p, key.derive("q"), 0);
            JSON.writeValue(maskFile.toFile(), mask.toDoubleArray());
        }
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "layer", maskFile.toString()));
        LoraConfig config = LoraConfig.defaults().withR(4).withAlpha(8).withDropout(p).withTargets(LoraConfig.TargetModules.names("q"))
                .withDora(true);
        assertEquals(ref.get("scale").asDouble(), config.scale(), 1e-12);
        try (Scope scope = Scope.open(); Generator gen = new Generator(0, Device.CPU)) {
            Tensor w = f32(ref.get("w"), 12, 16);
            Tensor bias = f32(ref.get("bias"), 12);
            Linear base = new Linear(Scope.detached(w::copy), Scope.detached(bias::copy));
            LoraLinear layer = new LoraLinear(base, "q", config, gen);
            try (var noGrad = Autograd.noGrad()) {
                layer.loraA().copyFrom(f32(ref.get("a"), 4, 16));
                layer.loraB().copyFrom(f32(ref.get("b"), 12, 4));
                layer.initMagnitude();
                double init = close("initial magnitude (B non-zero)", doubles(ref.get("initial_magnitude")),
                        layer.magnitude().toDoubleArray());
                layer.magnitude().copyFrom(f32(ref.get("magnitude"), 12));
                System.out.printf("DoraPeftParityTest (layer): initial magnitude %.2e%n", init);
            }
            Tensor x = f32(ref.get("x"), 3, 5, 16).requiresGrad(true);
            layer.train(key);
            Tensor y = layer.forward(x);
            y.backward(f32(ref.get("dy"), 3, 5, 12), false);
            double[] errs = {
                close("y (dropout 0.3)", doubles(ref.get("y")), y.toDoubleArray()),
                close("dx", doubles(ref.get("dx")), x.grad().toDoubleArray()),
                close("dA", doubles(ref.get("da")), layer.loraA().grad().toDoubleArray()),
                close("dB", doubles(ref.get("db")), layer.loraB().grad().toDoubleArray()),
                close("d magnitude", doubles(ref.get("dm")), layer.magnitude().grad().toDoubleArray())};
            layer.eval();
            double[] yEval = layer.forward(x).toDoubleArray();
            double eval = close("y (eval)", doubles(ref.get("y_eval")), yEval);
            double gap = 0;
            for (int i = 0; i < yEval.length; i++) {
                gap = Math.max(gap, Math.abs(yEval[i] - doubles(ref.get("y"))[i]));
            }
            assertTrue(gap > 0.1, "dropout changes the output");
            System.out.printf("DoraPeftParityTest (layer, dropout %.1f): y %.2e, dx %.2e, dA %.2e, dB %.2e, dm %.2e; eval y %.2e%n",
                    p, errs[0], errs[1], errs[2], errs[3], errs[4], eval);
            layer.close();
        }
    }

    private static Tensor f32(JsonNode values, long... shape) {
        return Tensor.of(doubles(values), shape).to(DType.FLOAT32);
    }
}
