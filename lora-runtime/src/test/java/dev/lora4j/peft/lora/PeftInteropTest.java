package dev.lora4j.peft.lora;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.nn.Linear;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adapters move both ways between lora4j and PEFT (peft 0.21.2, transformers 5.17): a PEFT adapter
 * loads here with PEFT's logits and loss, merge equals merge_and_unload, and an adapter saved here
 * loads with PeftModel.from_pretrained and gives lora4j's logits. Tolerance: 1e-4 relative to the
 * logits' scale (float32 on both sides).
 */
class PeftInteropTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/peft_interop_reference.py");
    private static final double RTOL = 1e-4;

    private record Inputs(Tensor ids, Tensor mask, Tensor labels) {
        static Inputs from(JsonNode ref) {
            return new Inputs(Tensor.of(longs(ref.get("input_ids")), 2, 7), Tensor.of(longs(ref.get("attention_mask")), 2, 7),
                    Tensor.of(longs(ref.get("labels")), 2, 5));
        }
    }

    private static T5Output run(T5ForConditionalGeneration model, Inputs in) {
        return model.forward(in.ids(), in.mask(), null, in.labels());
    }

    @ParameterizedTest
    @ValueSource(strings = {"q,v", "all-linear"})
    void aPeftAdapterGivesPeftsLogitsAndMergesAsMergeAndUnload(String targets, @TempDir Path dir) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(SCRIPT, "make", dir.toString(), targets));
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel lora = PeftModel.load(model, dir.resolve("adapter"), 0);
            int expectedLayers = targets.equals("q,v") ? 2 * (2 + 2 * 2) : model.linearLayers().size();
            assertEquals(expectedLayers, ((LoraModel) lora.adapter()).adapters().size());
            T5Output out = run(model, in);
            assertClose("logits", doubles(ref.get("logits")), out.logits().toDoubleArray());
            assertEquals(ref.get("loss").asDouble(), out.loss().item(), RTOL * Math.abs(ref.get("loss").asDouble()));

            double[] before = out.logits().toDoubleArray();
            lora.merge();
            assertClose("merged logits", doubles(ref.get("merged_logits")), run(model, in).logits().toDoubleArray());
            lora.unmerge();
            assertClose("unmerged logits", before, run(model, in).logits().toDoubleArray());

            lora.setEnabled(false);
            double[] disabled = run(model, in).logits().toDoubleArray();
            lora.setEnabled(true);
            lora.mergeAndUnload();
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear));
            assertClose("merge_and_unload", doubles(ref.get("merged_logits")), run(model, in).logits().toDoubleArray());
            assertTrue(maxDiff(disabled, before) > 1e-3, "the adapter changes the output (non-zero B)");
        }
    }

    @Test
    void anAdapterSavedHereLoadsInPeftWithTheSameLogits(@TempDir Path dir) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(SCRIPT, "make", dir.toString(), "q,v"));
        double[] ours;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            LoraConfig config = LoraConfig.defaults().withR(3).withAlpha(6).withInit(LoraConfig.Init.RANDOM)
                    .withTargets(LoraConfig.TargetModules.names("q", "k", "wo"));
            PeftModel lora = PeftModel.wrap(model, config, 17);
            ParameterCounts counts = lora.parameterCounts();
            assertTrue(counts.trainable() > 0 && counts.trainable() < counts.total());
            assertEquals(lora.stateDict().values().stream().mapToLong(Tensor::numel).sum(), counts.trainable());
            lora.save(dir.resolve("ours"), dir.resolve("base").toString());
            ours = run(model, Inputs.from(ref)).logits().toDoubleArray();
        }
        JsonNode peft = new ObjectMapper().readTree(PythonReference.runFile(SCRIPT, "check",
                dir.resolve("base").toString(), dir.resolve("ours").toString()));
        assertClose("PEFT logits of our adapter", doubles(peft.get("logits")), ours);
        String config = Files.readString(dir.resolve("ours").resolve(AdapterFiles.CONFIG_FILE));
        assertTrue(config.contains("\"target_modules\" : [ \"k\", \"q\", \"wo\" ]"), config);
    }

    @Test
    void unsupportedOrBrokenAdaptersAreRejectedAndTheModelIsLeftAsItWas(@TempDir Path dir) throws Exception {
        PythonReference.runFile(SCRIPT, "make", dir.toString(), "q,v");
        Path adapter = dir.resolve("adapter");
        Path config = adapter.resolve(AdapterFiles.CONFIG_FILE);
        String original = Files.readString(config);
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Files.writeString(config, original.replace("\"use_dora\": false", "\"use_dora\": true"));
            // A DoRA config over a file without magnitudes: the missing tensors are named, model restored.
            Lora4jException dora = assertThrows(Lora4jException.class, () -> PeftModel.load(model, adapter, 0));
            assertTrue(dora.getMessage().contains("lora_magnitude_vector"), dora.getMessage());
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear), "unloaded after failure");

            // Targets that imply more layers than the file holds: missing tensors, model restored.
            Files.writeString(config, original.replaceAll("\"target_modules\": \\[[^\\]]*\\]", "\"target_modules\": [\"q\", \"k\", \"v\"]"));
            Lora4jException missing = assertThrows(Lora4jException.class, () -> PeftModel.load(model, adapter, 0));
            assertTrue(missing.getMessage().contains("missing adapter tensors"), missing.getMessage());
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear), "unloaded after failure");

            Files.writeString(config, original.replaceAll("\"r\": 4", "\"r\": 5"));
            Lora4jException shape = assertThrows(Lora4jException.class, () -> PeftModel.load(model, adapter, 0));
            assertTrue(shape.getMessage().contains("shape"), shape.getMessage());

            Files.writeString(config, "{ not json");
            assertThrows(Lora4jException.class, () -> PeftModel.load(model, adapter, 0));
            assertInstanceOf(Linear.class, model.linearLayers().values().iterator().next());
        }
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static void assertClose(String what, double[] want, double[] got) {
        assertEquals(want.length, got.length, what + " length");
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = maxDiff(want, got) / scale;
        assertTrue(worst <= RTOL, what + ": max error " + worst + " of the logits' scale > " + RTOL);
    }
}
