package dev.lora4j.peft.bitfit;

import static dev.lora4j.testing.AdapterParity.assertClose;
import static dev.lora4j.testing.AdapterParity.logits;
import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.Linear;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethods;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BitFit, stored as PEFT 0.21.2's BEFT, against PEFT (BeftConfig on q, k, v, o, wi_0, wi_1, wo, random
 * biases; T-Few's variant adds modules_to_save ["layer_norm"]) in float32: loss, logits and every
 * tensor's gradient, disabled logits, the merge refusal (T5 has no biases, PEFT refuses too), and adapter
 * files both ways. Tolerance 1e-5 of the reference's largest value.
 */
class BitFitParityTest {
    private static final double RTOL = 1e-5;

    @Test
    void aPeftBeftAdapterGivesPeftsLossLogitsAndGradientsAndCannotMerge(@TempDir Path dir) throws Exception {
        JsonNode ref = AdapterParity.make(dir, "bitfit");
        assertTrue(ref.get("merge_error").asText().contains("no bias"), "PEFT refuses to merge too");
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel bitfit = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals(36, ((BitFitModel) bitfit.adapter()).layers().size(), "7 per encoder block, 11 per decoder block");
            model.eval();
            T5Output out = AdapterParity.run(model, in);
            double logitErr = assertClose("logits", doubles(ref.get("logits")), out.logits().toDoubleArray(), RTOL);
            double lossErr = AdapterParity.assertLoss(ref, out.loss(), RTOL);
            out.loss().backward();
            double gradErr = AdapterParity.assertGradients(ref.get("grads"), bitfit.stateDict(), RTOL);
            System.out.printf("BitFitParityTest: logits %.2e, loss %.2e, gradients %.2e of the largest value%n",
                    logitErr, lossErr, gradErr);

            bitfit.setEnabled(false);
            assertClose("disabled logits", doubles(ref.get("disabled_logits")), logits(model, in), RTOL);
            bitfit.setEnabled(true);
            assertNotNull(bitfit.mergeRefusal());
            assertTrue(bitfit.mergeRefusal().contains("no bias parameter"), bitfit.mergeRefusal());
            assertThrows(Lora4jException.class, bitfit::mergeAndUnload);
            bitfit.unload();
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof Linear && ((Linear) l).bias() == null));
        }
    }

    /** T-Few's BitFit: biases and every norm scale; PEFT's file loads here and ours loads in PEFT. */
    @Test
    void tFewsVariantWithNormScalesMovesBothWays(@TempDir Path dir) throws Exception {
        JsonNode ref = AdapterParity.make(dir, "bitfit-norms");
        double[] ours;
        Set<String> keys;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel peftFile = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals(48, peftFile.stateDict().size(), "36 biases and 12 norm scales");
            model.eval();
            T5Output out = AdapterParity.run(model, in);
            assertClose("logits", doubles(ref.get("logits")), out.logits().toDoubleArray(), RTOL);
            AdapterParity.assertLoss(ref, out.loss(), RTOL);
            out.loss().backward();
            double gradErr = AdapterParity.assertGradients(ref.get("grads"), peftFile.stateDict(), RTOL);
            System.out.printf("BitFitParityTest: T-Few variant, gradients %.2e of the largest value%n", gradErr);
            peftFile.unload();
            assertTrue(model.namedParameters().values().stream().noneMatch(Tensor::requiresGrad), "norms frozen again");
        }
        // Ours: loaded fresh (the PEFT file's norm values were copied into the base above).
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            BitFitConfig config = BitFitConfig.defaults().withInitWeights(false).withModulesToSave(List.of("layer_norm"));
            PeftModel bitfit = PeftModel.wrap(model, config, 31);
            try (Generator g = new Generator(29); var noGrad = Autograd.noGrad()) {
                for (var e : bitfit.trainableParameters().entrySet()) {
                    if (e.getKey().contains("layer_norm")) {
                        Tensor t = e.getValue();
                        t.copyFrom(t.add(Tensor.randn(g, DType.FLOAT32, Device.CPU, t.shape()).mul(0.1)));
                    }
                }
            }
            bitfit.save(dir.resolve("ours"), dir.resolve("base").toString());
            keys = new TreeSet<>(bitfit.stateDict().keySet());
            ours = logits(model, Inputs.from(ref));
        }
        JsonNode peft = AdapterParity.check(dir.resolve("base"), dir.resolve("ours"));
        assertEquals("BEFT", peft.get("peft_type").asText());
        assertEquals(keys, new TreeSet<>(StreamSupport.stream(peft.get("keys").spliterator(), false).map(JsonNode::asText).toList()));
        double err = assertClose("PEFT's logits of our adapter", doubles(peft.get("logits")), ours, RTOL);
        System.out.printf("BitFitParityTest: our adapter in PEFT, logits %.2e%n", err);
        String config = Files.readString(dir.resolve("ours").resolve(AdapterFiles.CONFIG_FILE));
        assertTrue(config.contains("\"target_modules\" : [ \"k\", \"o\", \"q\", \"v\", \"wi_0\", \"wi_1\", \"wo\" ]"), config);
    }

    /** The command line's defaults (every projection, zero biases) fit a gated T5 and change nothing at start. */
    @Test
    void theDefaultsBiasEveryProjectionAndStartAsTheBase() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        for (ConfigOption option : PeftMethods.forName("bitfit").options()) {
            if (option.defaultValue() != null) {
                json.set(option.field(), option.toJson(option.defaultValue()));
            }
        }
        MethodConfig config = PeftMethods.forName("bitfit").readConfig(json, "the command line");
        String gated = """
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 24, "num_layers": 2,
                 "num_heads": 4, "relative_attention_num_buckets": 8, "relative_attention_max_distance": 20,
                 "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "decoder_start_token_id": 0}
                """;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(
                     dev.lora4j.t5.T5Config.parse(gated), 4, Device.CPU, DType.FLOAT32)) {
            model.eval();
            Tensor ids = Tensor.of(new long[] {5, 17, 9, 1}, 1, 4);
            Tensor labels = Tensor.of(new long[] {12, 7, 1}, 1, 3);
            double[] before = model.forward(ids, null, null, labels).logits().toDoubleArray();
            PeftModel bitfit = PeftModel.wrap(model, config, 0);
            assertEquals(36, bitfit.stateDict().size());
            assertClose("zero biases compute as the base", before, model.forward(ids, null, null, labels).logits().toDoubleArray(), RTOL);
            Lora4jException typo = assertThrows(Lora4jException.class, () -> PeftMethods.forName("bitfit").check(model,
                    new BitFitConfig(dev.lora4j.peft.ModuleNames.of("q", "vv"), true, List.of())));
            assertTrue(typo.getMessage().contains("field \"target_modules\" names 'vv'"), typo.getMessage());
            bitfit.unload();
        }
    }
}
