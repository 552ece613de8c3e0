package dev.lora4j.peft.toy;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.ParityAsserts;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three T5 hook points against transformers (t5_hooks_reference.py), each through a toy method
 * attached by the registry (no code of t5/, train/ or the CLI knows the toys):
 * <ul>
 *   <li>input hook = rows prepended to transformers' inputs_embeds with the attention mask extended;</li>
 *   <li>prefix hook = a decoder past_key_values of P positions (position bias with query offset P), and in
 *       generation the cache pre-filled for every beam;</li>
 *   <li>sublayer hook = a forward hook changing every DenseReluDense output.</li>
 * </ul>
 * Float32, a tiny FLAN-shaped model and a padded batch. Loss and logits within 1e-5 of max |transformers|
 * (relative); greedy and beam-3 token ids identical (the script checks them against float64 first).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class T5HooksParityTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/t5_hooks_reference.py");
    private static final double RTOL = 1e-5;

    private Path dir;
    private JsonNode ref;

    @BeforeAll
    void reference() throws Exception {
        dir = Files.createTempDirectory("lora4j-hooks");
        ref = new ObjectMapper().readTree(PythonReference.runFile(SCRIPT, dir.toString()));
    }

    @AfterAll
    void cleanUp() throws Exception {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "prompt", "prefix", "sublayer"})
    void aToyHookGivesTransformersLossLogitsAndTokens(String toy) {
        JsonNode expected = ref.get("cases").get(toy);
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Tensor ids = Tensor.of(longs(ref.get("input_ids")), 2, 7);
            Tensor mask = Tensor.of(longs(ref.get("attention_mask")), 2, 7);
            Tensor labels = Tensor.of(longs(ref.get("labels")), 2, 5);
            T5Output plain = model.forward(ids, mask, null, labels);
            PeftModel peft = toy.equals("none") ? null : PeftModel.load(model, dir.resolve(toy), 0);

            T5Output out = model.forward(ids, mask, null, labels);
            double[] want = doubles(expected.get("logits"));
            assertClose(toy + " logits", want, out.logits().toDoubleArray());
            double loss = expected.get("loss").asDouble();
            assertEquals(loss, out.loss().item(), RTOL * Math.abs(loss), toy + " loss");
            assertTokens(toy + " greedy", expected.get("greedy"), T5Generation.generate(model, ids, mask, GenerationConfig.greedy(8)));
            assertTokens(toy + " beam", expected.get("beam"), T5Generation.generate(model, ids, mask,
                    GenerationConfig.beams(3, 8).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));

            if (peft != null) {
                peft.setEnabled(false);
                // Equal to rounding, not bit for bit: with the base frozen, libtorch may pick another attention kernel.
                assertClose("disabled, the toy changes nothing", plain.logits().toDoubleArray(),
                        model.forward(ids, mask, null, labels).logits().toDoubleArray());
                peft.setEnabled(true);
                peft.unload();
                assertTrue(model.hooks().isEmpty(), "unload removes the hooks");
                assertClose("unloaded, the model is as before", plain.logits().toDoubleArray(),
                        model.forward(ids, mask, null, labels).logits().toDoubleArray());
            }
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        ParityAsserts.assertClose("hook " + what, expected, actual, RTOL);
    }

    private static void assertTokens(String what, JsonNode expected, long[][] actual) {
        ParityAsserts.assertTokens(what, expected, actual);
    }
}
