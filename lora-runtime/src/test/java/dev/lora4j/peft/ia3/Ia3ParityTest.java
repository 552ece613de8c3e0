package dev.lora4j.peft.ia3;

import static dev.lora4j.testing.AdapterParity.assertClose;
import static dev.lora4j.testing.AdapterParity.logits;
import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.nn.Linear;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.ModuleNames;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.AdapterParity;
import dev.lora4j.testing.AdapterParity.Inputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * (IA)³ against PEFT 0.21.2 (IA3Config with T5's defaults: k and v output vectors (inner, 1), wo input
 * vector (1, d_ff); random vectors) on a tiny random FLAN-shaped T5 in float32: loss, logits and every
 * vector's gradient, disabled, merged, unmerged and merge_and_unload logits, and adapter files both ways.
 * Tolerance 1e-5 of the reference's largest value (measured: see docs/METHODS.md).
 */
class Ia3ParityTest {
    private static final double RTOL = 1e-5;

    @Test
    void aPeftAdapterGivesPeftsLossLogitsGradientsAndMerges(@TempDir Path dir) throws Exception {
        JsonNode ref = AdapterParity.make(dir, "ia3");
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel ia3 = PeftModel.load(model, dir.resolve("adapter"), 0);
            Ia3Model adapter = (Ia3Model) ia3.adapter();
            assertEquals(16, adapter.layers().size(), "k, v of 2+4 attentions and 4 wo");
            assertEquals(4, adapter.layers().values().stream().filter(Ia3Linear::isFeedforward).count());
            model.eval();
            T5Output out = AdapterParity.run(model, in);
            double logitErr = assertClose("logits", doubles(ref.get("logits")), out.logits().toDoubleArray(), RTOL);
            double lossErr = AdapterParity.assertLoss(ref, out.loss(), RTOL);
            out.loss().backward();
            double gradErr = AdapterParity.assertGradients(ref.get("grads"), ia3.stateDict(), RTOL);
            System.out.printf("Ia3ParityTest: logits %.2e, loss %.2e, gradients %.2e of the largest value%n",
                    logitErr, lossErr, gradErr);

            ia3.setEnabled(false);
            assertClose("disabled logits", doubles(ref.get("disabled_logits")), logits(model, in), RTOL);
            ia3.setEnabled(true);
            ia3.merge();
            double merged = assertClose("merged logits", doubles(ref.get("merged_logits")), logits(model, in), RTOL);
            ia3.unmerge();
            double unmerged = assertClose("unmerged logits", doubles(ref.get("unmerged_logits")), logits(model, in), RTOL);
            ia3.mergeAndUnload();
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear), "unloaded");
            assertTrue(model.namedParameters().values().stream().noneMatch(Tensor::requiresGrad), "nothing left trainable");
            double unloaded = assertClose("merge_and_unload logits", doubles(ref.get("merge_and_unload_logits")),
                    logits(model, in), RTOL);
            System.out.printf("Ia3ParityTest: merged %.2e, unmerged %.2e, merge_and_unload %.2e%n", merged, unmerged, unloaded);
        }
    }

    @Test
    void anAdapterSavedHereLoadsInPeftWithTheSameLogits(@TempDir Path dir) throws Exception {
        JsonNode ref = AdapterParity.make(dir, "ia3");
        double[] ours;
        List<String> keys;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Ia3Config config = Ia3Config.defaults().withInitIa3Weights(false)
                    .withTargets(ModuleNames.of("q", "v", "wi_1", "wo"), ModuleNames.of("wo"));
            PeftModel ia3 = PeftModel.wrap(model, config, 17);
            ia3.save(dir.resolve("ours"), dir.resolve("base").toString());
            keys = List.copyOf(ia3.stateDict().keySet());
            ours = logits(model, Inputs.from(ref));
        }
        JsonNode peft = AdapterParity.check(dir.resolve("base"), dir.resolve("ours"));
        assertEquals("IA3", peft.get("peft_type").asText());
        assertEquals(new java.util.TreeSet<>(keys).toString(), new java.util.TreeSet<>(
                java.util.stream.StreamSupport.stream(peft.get("keys").spliterator(), false).map(JsonNode::asText).toList()).toString(),
                "PEFT holds exactly the tensors of our file");
        double err = assertClose("PEFT's logits of our adapter", doubles(peft.get("logits")), ours, RTOL);
        System.out.printf("Ia3ParityTest: our adapter in PEFT, logits %.2e%n", err);
        String config = Files.readString(dir.resolve("ours").resolve(AdapterFiles.CONFIG_FILE));
        assertTrue(config.contains("\"feedforward_modules\" : [ \"wo\" ]"), config);
        assertTrue(config.contains("\"init_ia3_weights\" : false"), config);
    }

    /**
     * T-Few places its FFN vector on the output of wi_1 (the linear branch of the gated FFN); PEFT on the
     * input of wo. On gated T5, gelu(wi_0 x) ⊙ (wi_1 x ⊙ l) = (gelu(wi_0 x) ⊙ wi_1 x) ⊙ l, so with the same
     * vectors both placements compute the same, up to float rounding.
     */
    @Test
    void tFewsPlacementOnWi1EqualsPeftsInputScalingOfWo() {
        T5Config config = T5Config.parse("""
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 24, "num_layers": 2,
                 "num_heads": 4, "relative_attention_num_buckets": 8, "relative_attention_max_distance": 20,
                 "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "decoder_start_token_id": 0}
                """);
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 5, Device.CPU, DType.FLOAT32)) {
            model.eval();
            Inputs in = new Inputs(Tensor.of(new long[] {5, 17, 9, 33, 2, 41, 1, 8, 3, 60, 1, 0, 0, 0}, 2, 7),
                    Tensor.of(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, 2, 7),
                    Tensor.of(new long[] {12, 7, 30, 1, -100, 4, 44, 1, -100, -100}, 2, 5));
            PeftModel peft = PeftModel.wrap(model, Ia3Config.defaults().withInitIa3Weights(false), 9);
            Map<String, Tensor> vectors = new HashMap<>();
            ((Ia3Model) peft.adapter()).layers().forEach((path, layer) -> vectors.put(path, layer.vector().detach().copy()));
            T5Output peftOut = AdapterParity.run(model, in);
            double[] peftLogits = peftOut.logits().toDoubleArray();
            double peftLoss = peftOut.loss().item();
            peft.unload();

            Ia3Config tFew = Ia3Config.defaults().withTargets(ModuleNames.of("k", "v", "wi_1"), new ModuleNames(List.of(), null));
            PeftModel tfew = PeftModel.wrap(model, tFew, 0);
            try (var noGrad = dev.lora4j.tensor.Autograd.noGrad()) {
                ((Ia3Model) tfew.adapter()).layers().forEach((path, layer) -> {
                    String source = path.endsWith("wi_1") ? path.replace("wi_1", "wo") : path;
                    Tensor v = vectors.get(source);
                    layer.vector().copyFrom(path.endsWith("wi_1") ? v.reshape(v.numel(), 1) : v);
                });
            }
            T5Output tfewOut = AdapterParity.run(model, in);
            double err = assertClose("T-Few placement logits", peftLogits, tfewOut.logits().toDoubleArray(), 1e-5);
            assertEquals(peftLoss, tfewOut.loss().item(), 1e-5 * peftLoss);
            System.out.printf("Ia3ParityTest: T-Few's wi_1 placement vs PEFT's wo input, logits %.2e, loss %.2e%n",
                    err, Math.abs(peftLoss - tfewOut.loss().item()) / peftLoss);
            tfew.unload();
            assertInstanceOf(Linear.class, model.linearLayers().values().iterator().next());
        }
    }
}
