package dev.lora4j.peft.prefix;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.ParityAsserts;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Prefix tuning in PEFT's mode against PEFT 0.21.2 (peft_prefix_tuning_reference.py), float32, tiny
 * models with L = 2 (PEFT's slot mapping leaves half the slots unused) and L = 3 (all used once), with
 * and without prefix_projection: from PEFT's initial tensors, the same loss and logits (1e-5 of max),
 * the same gradient for every trainable tensor (the unused slots' zero), the same PeftModel.generate() ids
 * (greedy, beam 3); PEFT's saved adapter loads here with its logits, and ours loads in PEFT with ours.
 */
class PrefixTuningParityTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/peft_prefix_tuning_reference.py");
    private static final double RTOL = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void peftsSlotMapping() {
        // L = 2, two submodules: layer 0 -> slots (0, 1), layer 1 -> (0, 1); L = 3: (0,1), (4,5), (2,3).
        assertEquals(List.of(0, 0), List.of(PrefixTuningAdapter.keySlot(0, 2, 2), PrefixTuningAdapter.keySlot(1, 2, 2)));
        assertEquals(List.of(0, 4, 2), List.of(PrefixTuningAdapter.keySlot(0, 3, 2), PrefixTuningAdapter.keySlot(1, 3, 2),
                PrefixTuningAdapter.keySlot(2, 3, 2)));
        assertEquals(List.of(0, 4, 0, 4), List.of(PrefixTuningAdapter.keySlot(0, 4, 2), PrefixTuningAdapter.keySlot(1, 4, 2),
                PrefixTuningAdapter.keySlot(2, 4, 2), PrefixTuningAdapter.keySlot(3, 4, 2)));
        assertEquals(2, PrefixTuningAdapter.keySlot(1, 2, 1), "one submodule: every slot once");
    }

    @ParameterizedTest
    @CsvSource({"2, 0", "3, 0", "2, 1"})
    void trainsGeneratesAndMovesFilesAsPeft(int layers, int projection, @TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "make", dir.toString(), Integer.toString(layers),
                Integer.toString(projection)));
        String what = "L=" + layers + (projection == 1 ? " with projection" : "");
        double[] ours;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Tensor ids = Tensor.of(longs(ref.get("input_ids")), 2, 7);
            Tensor mask = Tensor.of(longs(ref.get("attention_mask")), 2, 7);
            Tensor labels = Tensor.of(longs(ref.get("labels")), 2, 5);
            PrefixTuningConfig config = PrefixTuningConfig.of(3);
            if (projection == 1) {
                config = config.withProjection(12);
            }
            PeftModel peft = PeftModel.wrap(model, config, 0);
            Map<String, Tensor> trainable = peft.trainableParameters();
            assertEquals(fieldNames(ref.get("initial")), List.copyOf(new java.util.TreeSet<>(trainable.keySet())));
            try (var noGrad = Autograd.noGrad()) {
                trainable.forEach((name, t) -> t.copyFrom(Tensor.of(doubles(ref.get("initial").get(name)), t.shape()).to(DType.FLOAT32)));
            }
            peft.train(new RandomKey(0, 0, 0, 0));
            T5Output out = model.forward(ids, mask, null, labels);
            assertClose(what + " logits", doubles(ref.get("logits")), out.logits().toDoubleArray());
            assertEquals(ref.get("loss").asDouble(), out.loss().item(), RTOL * Math.abs(ref.get("loss").asDouble()), what + " loss");
            out.loss().backward();
            for (Map.Entry<String, Tensor> e : trainable.entrySet()) {
                assertClose(what + " gradient of " + e.getKey(), doubles(ref.get("grads").get(e.getKey())), e.getValue().grad().toDoubleArray());
            }
            peft.eval();
            assertTokens(what + " greedy", ref.get("greedy"), T5Generation.generate(model, ids, mask, GenerationConfig.greedy(8)));
            assertTokens(what + " beam", ref.get("beam"), T5Generation.generate(model, ids, mask,
                    GenerationConfig.beams(3, 8).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));
            ours = model.forward(ids, mask, null, labels).logits().toDoubleArray();
            peft.save(dir.resolve("ours"), dir.resolve("base").toString());
            peft.unload();
            assertTrue(model.hooks().isEmpty());

            PeftModel loaded = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertClose(what + " PEFT's file here", doubles(ref.get("logits")), model.forward(ids, mask, null, labels).logits().toDoubleArray());
            loaded.unload();
        }
        JsonNode peft = JSON.readTree(PythonReference.runFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("ours").toString()));
        assertClose(what + " our file in PEFT", doubles(peft.get("logits")), ours);
    }

    @Test
    void aTokenDimOtherThanTheAttentionWidthIsRefusedAndFlanT5SmallWorks() {
        T5Config small = T5Config.parse("""
                {"model_type": "t5", "vocab_size": 64, "d_model": 32, "d_kv": 8, "d_ff": 32, "num_layers": 2,
                 "num_decoder_layers": 2, "num_heads": 3, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
                 "dropout_rate": 0.0, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
                """); // heads x d_kv (24) != d_model (32), like FLAN-T5-small: PEFT fails (issue 385), lora4j does not
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(small, 1, Device.CPU, DType.FLOAT32)) {
            PeftModel peft = PeftModel.wrap(model, PrefixTuningConfig.of(4), 1);
            assertArrayEquals(new long[] {4, 2 * 2 * 24}, peft.stateDict().get(PrefixTuningAdapter.TABLE_KEY).shape());
            Tensor ids = Tensor.of(new long[] {5, 6, 7, 1}, 1, 4);
            assertTrue(Double.isFinite(model.forward(ids, null, null, Tensor.of(new long[] {3, 1}, 1, 2)).loss().item()));
            peft.unload();
            PrefixTuningConfig wrong = new PrefixTuningConfig(4, 2, false, 0, false, 32, 0, false);
            Lora4jException e = assertThrows(Lora4jException.class, () -> PeftModel.wrap(model, wrong, 1));
            assertTrue(e.getMessage().contains("field \"token_dim\" is 32") && e.getMessage().contains("3 heads x 8"), e.getMessage());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> out = new java.util.ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        java.util.Collections.sort(out);
        return out;
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        ParityAsserts.assertClose("prefix tuning " + what, expected, actual, RTOL);
    }

    private static void assertTokens(String what, JsonNode expected, long[][] actual) {
        ParityAsserts.assertTokens(what, expected, actual);
    }
}
