package dev.lora4j.peft.lntuning;

import static dev.lora4j.testing.AdapterParity.assertClose;
import static dev.lora4j.testing.AdapterParity.logits;
import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.nn.NormLayer;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.AdapterParity;
import dev.lora4j.testing.AdapterParity.Inputs;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LN tuning against PEFT 0.21.2 (LNTuningConfig with T5's defaults layer_norm, final_layer_norm: all 12
 * norms of a 2+2-layer model; copies perturbed so they differ from the base) in float32: loss, logits and
 * every copy's gradient, disabled, merged (the copy swapped in), unmerged and merge_and_unload logits, and
 * adapter files both ways. Tolerance 1e-5 of the reference's largest value.
 */
class LnTuningParityTest {
    private static final double RTOL = 1e-5;

    @Test
    void aPeftAdapterGivesPeftsLossLogitsGradientsAndMerges(@TempDir Path dir) throws Exception {
        JsonNode ref = AdapterParity.make(dir, "ln");
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel ln = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals(12, ((LnTuningModel) ln.adapter()).norms().size(), "2·2 + 3·2 block norms and two final norms");
            Set<String> keys = new TreeSet<>(ln.stateDict().keySet());
            model.eval();
            T5Output out = AdapterParity.run(model, in);
            double logitErr = assertClose("logits", doubles(ref.get("logits")), out.logits().toDoubleArray(), RTOL);
            double lossErr = AdapterParity.assertLoss(ref, out.loss(), RTOL);
            out.loss().backward();
            double gradErr = AdapterParity.assertGradients(ref.get("grads"), ln.stateDict(), RTOL);
            System.out.printf("LnTuningParityTest: logits %.2e, loss %.2e, gradients %.2e of the largest value%n",
                    logitErr, lossErr, gradErr);

            ln.setEnabled(false);
            assertClose("disabled logits", doubles(ref.get("disabled_logits")), logits(model, in), RTOL);
            ln.setEnabled(true);
            ln.merge();
            assertClose("merged logits", doubles(ref.get("merged_logits")), logits(model, in), RTOL);
            assertEquals(keys, new TreeSet<>(ln.stateDict().keySet()), "merged, the file keys stay PEFT's");
            ln.unmerge();
            assertClose("unmerged logits", doubles(ref.get("unmerged_logits")), logits(model, in), RTOL);
            ln.mergeAndUnload();
            assertTrue(model.slots(NormLayer.class).values().stream().allMatch(s -> s.get() instanceof RMSNorm), "unloaded");
            assertTrue(model.namedParameters().keySet().stream().noneMatch(k -> k.contains("ln_tuning")));
            assertTrue(model.namedParameters().values().stream().noneMatch(Tensor::requiresGrad), "nothing left trainable");
            assertClose("merge_and_unload logits", doubles(ref.get("merge_and_unload_logits")), logits(model, in), RTOL);
        }
    }

    @Test
    void anAdapterSavedHereLoadsInPeftWithTheSameLogits(@TempDir Path dir) throws Exception {
        JsonNode ref = AdapterParity.make(dir, "ln");
        double[] ours;
        Set<String> keys;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            double[] before = logits(model, Inputs.from(ref));
            PeftModel ln = PeftModel.wrap(model, LnTuningConfig.defaults(), 0);
            assertClose("fresh copies compute as the base", before, logits(model, Inputs.from(ref)), RTOL);
            try (Generator g = new Generator(23); var noGrad = Autograd.noGrad()) {
                for (Tensor t : ln.trainableParameters().values()) {
                    t.copyFrom(t.add(Tensor.randn(g, DType.FLOAT32, Device.CPU, t.shape()).mul(0.1)));
                }
            }
            ln.save(dir.resolve("ours"), dir.resolve("base").toString());
            keys = new TreeSet<>(ln.stateDict().keySet());
            ours = logits(model, Inputs.from(ref));
            ln.unload();
            assertClose("unload restores the base", before, logits(model, Inputs.from(ref)), RTOL);
        }
        JsonNode peft = AdapterParity.check(dir.resolve("base"), dir.resolve("ours"));
        assertEquals("LN_TUNING", peft.get("peft_type").asText());
        assertEquals(keys, new TreeSet<>(StreamSupport.stream(peft.get("keys").spliterator(), false).map(JsonNode::asText).toList()));
        double err = assertClose("PEFT's logits of our adapter", doubles(peft.get("logits")), ours, RTOL);
        System.out.printf("LnTuningParityTest: our adapter in PEFT, logits %.2e%n", err);
    }
}
