package dev.lora4j.peft.bottleneck;

import static dev.lora4j.testing.AdapterParity.assertClose;
import static dev.lora4j.testing.AdapterParity.logits;
import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bottleneck adapters against AdapterHub's {@code adapters} 1.3.0 (transformers 4.57.6, its own venv) on a
 * tiny random FLAN-shaped T5 (d_model 32, bottleneck 2) in float32, per AdapterHub config: Pfeiffer
 * (seq_bn), Houlsby (double_seq_bn), Houlsby with a cross-attention adapter, relu and scaling 0.5, and
 * Pfeiffer with residual_before_ln false. AdapterHub's saved adapter loads here with its loss, logits,
 * every tensor's gradient (1e-5 of the largest reference value), its logits when deactivated and its
 * greedy and beam-4 ids; an adapter saved here loads in AdapterHub with the same logits and ids.
 */
class BottleneckParityTest {
    private static final double RTOL = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/adapterhub_bottleneck_reference.py");

    @ParameterizedTest
    @ValueSource(strings = {"pfeiffer", "houlsby", "houlsby-cross", "pfeiffer-residual"})
    void adapterHubsAdapterComputesHereAsThereAndOursThereAsHere(String variant, @TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "make", dir.toString(), variant));
        double[] ours;
        long[][] ourGreedy;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel bn = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertEquals("bn", ((BottleneckConfig) bn.config()).name());
            model.eval();
            T5Output out = AdapterParity.run(model, in);
            double logitErr = assertClose(variant + " logits", doubles(ref.get("logits")), out.logits().toDoubleArray(), RTOL);
            double lossErr = AdapterParity.assertLoss(ref, out.loss(), RTOL);
            out.loss().backward();
            double gradErr = AdapterParity.assertGradients(ref.get("grads"), bn.stateDict(), RTOL);
            System.out.printf("BottleneckParityTest (%s): logits %.2e, loss %.2e, gradients %.2e of the largest value%n",
                    variant, logitErr, lossErr, gradErr);

            long[][] greedy = T5Generation.generate(model, in.ids(), in.mask(), GenerationConfig.greedy(6));
            ParityAsserts.assertTokens(variant + " greedy", ref.get("greedy"), greedy);
            ParityAsserts.assertTokens(variant + " beam 4", ref.get("beam4"), T5Generation.generate(model, in.ids(), in.mask(),
                    GenerationConfig.beams(4, 6).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));

            bn.setEnabled(false);
            assertClose(variant + " deactivated logits", doubles(ref.get("disabled_logits")), logits(model, in), RTOL);
            bn.setEnabled(true);
            Lora4jException merge = assertThrows(Lora4jException.class, bn::merge);
            assertTrue(merge.getMessage().contains("cannot be merged"), merge.getMessage());
            bn.unload();
            assertTrue(model.hooks().isEmpty(), "unloading removes the hook and frees the blocks");

            BottleneckConfig config = (BottleneckConfig) PeftModel.readConfig(dir.resolve("adapter"));
            PeftModel fresh = PeftModel.wrap(model, config.withName("mine"), 21);
            fresh.save(dir.resolve("ours"), dir.resolve("base").toString());
            ours = logits(model, in);
            ourGreedy = T5Generation.generate(model, in.ids(), in.mask(), GenerationConfig.greedy(6));
            assertFalse(Files.exists(dir.resolve("ours").resolve("adapter_model.safetensors")), "AdapterHub's file name only");
            fresh.unload();
        }
        JsonNode hub = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("ours").toString()));
        assertEquals("mine", hub.get("name").asText());
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            PeftModel again = PeftModel.load(model, dir.resolve("ours"), 0);
            assertEquals(new TreeSet<>(again.stateDict().keySet()), new TreeSet<>(StreamSupport.stream(
                    hub.get("keys").spliterator(), false).map(JsonNode::asText).toList()), "AdapterHub holds exactly our tensors");
            again.unload();
        }
        double err = assertClose(variant + " AdapterHub's logits of our adapter", doubles(hub.get("logits")), ours, RTOL);
        ParityAsserts.assertTokens(variant + " AdapterHub's greedy ids of our adapter", hub.get("greedy"), ourGreedy);
        System.out.printf("BottleneckParityTest (%s): our adapter in AdapterHub, logits %.2e%n", variant, err);
    }
}
