package dev.lora4j.peft.prefix;

import static dev.lora4j.testing.AdapterParity.assertClose;
import static dev.lora4j.testing.AdapterParity.logits;
import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.testing.AdapterParity;
import dev.lora4j.testing.AdapterParity.Inputs;
import dev.lora4j.testing.ParityAsserts;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Paper-mode prefix tuning against AdapterHub's {@code adapters} 1.3.0 (transformers 4.57.6, its own venv) on a
 * tiny random FLAN-shaped T5 in float32, prefix length 5: the MLP form at all three locations, the flat form,
 * and the decoder's self-attention alone. AdapterHub's adapter loads here with its loss, logits, the gradient of
 * every pool tensor (1e-5 of the largest reference value), its deactivated logits and its greedy and beam-4 ids;
 * an adapter made here loads in AdapterHub with the same logits and greedy ids.
 */
class PaperPrefixParityTest {
    private static final double RTOL = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/adapterhub_prefix_reference.py");

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "flat", "decoder-only"})
    void adapterHubsPrefixComputesHereAsThereAndOursThereAsHere(String variant, @TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "make", dir.toString(), variant));
        double[] ours;
        long[][] ourGreedy;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel px = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals("px", ((PaperPrefixConfig) px.config()).name());
            model.eval();
            T5Output out = AdapterParity.run(model, in);
            double logitErr = assertClose(variant + " logits", doubles(ref.get("logits")), out.logits().toDoubleArray(), RTOL);
            double lossErr = AdapterParity.assertLoss(ref, out.loss(), RTOL);
            out.loss().backward();
            double gradErr = AdapterParity.assertGradients(ref.get("grads"), px.stateDict(), RTOL);
            System.out.printf("PaperPrefixParityTest (%s): logits %.2e, loss %.2e, gradients %.2e of the largest value%n",
                    variant, logitErr, lossErr, gradErr);
            ParityAsserts.assertTokens(variant + " greedy", ref.get("greedy"),
                    T5Generation.generate(model, in.ids(), in.mask(), GenerationConfig.greedy(6)));
            ParityAsserts.assertTokens(variant + " beam 4", ref.get("beam4"), T5Generation.generate(model, in.ids(), in.mask(),
                    GenerationConfig.beams(4, 6).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));
            px.setEnabled(false);
            assertClose(variant + " deactivated logits", doubles(ref.get("disabled_logits")), logits(model, in), RTOL);
            px.setEnabled(true);
            Lora4jException merge = assertThrows(Lora4jException.class, px::merge);
            assertTrue(merge.getMessage().contains("cannot be merged"), merge.getMessage());
            px.unload();
            assertTrue(model.hooks().isEmpty());

            PaperPrefixConfig config = (PaperPrefixConfig) PeftModel.readConfig(dir.resolve("adapter"));
            PeftModel fresh = PeftModel.wrap(model, config.withName("mine"), 21);
            fresh.save(dir.resolve("ours"), dir.resolve("base").toString());
            ours = logits(model, in);
            ourGreedy = T5Generation.generate(model, in.ids(), in.mask(), GenerationConfig.greedy(6));
            fresh.unload();
        }
        JsonNode hub = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("ours").toString()));
        assertEquals("mine", hub.get("name").asText());
        double err = assertClose(variant + " AdapterHub's logits of our adapter", doubles(hub.get("logits")), ours, RTOL);
        ParityAsserts.assertTokens(variant + " AdapterHub's greedy ids of our adapter", hub.get("greedy"), ourGreedy);
        System.out.printf("PaperPrefixParityTest (%s): our adapter in AdapterHub, logits %.2e%n", variant, err);
    }
}
