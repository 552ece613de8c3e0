package dev.lora4j.peft.ptuning;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.GenerationConfig;
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
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * P-tuning against PEFT 0.21.2 (peft_p_tuning_reference.py), float32, a tiny FLAN-shaped model, with the
 * MLP and the bidirectional-LSTM prompt encoders (the LSTM over all P · 2 rows, as PEFT): from PEFT's
 * initial tensors, the same loss and logits (1e-5 of max), the same gradient for every encoder tensor,
 * the same PeftModel.generate() ids; PEFT's saved table loads here with its logits, ours loads in PEFT with
 * ours. And what PEFT cannot do: a run killed mid-way resumes to the encoder of an uninterrupted run.
 */
class PTuningParityTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/peft_p_tuning_reference.py");
    private static final double RTOL = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"MLP", "LSTM"})
    void trainsGeneratesAndMovesFilesAsPeft(String kind, @TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runFile(SCRIPT, "make", dir.toString(), kind));
        double[] ours;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Tensor ids = Tensor.of(longs(ref.get("input_ids")), 2, 7);
            Tensor mask = Tensor.of(longs(ref.get("attention_mask")), 2, 7);
            Tensor labels = Tensor.of(longs(ref.get("labels")), 2, 5);
            PTuningConfig config = PTuningConfig.of(3, PTuningConfig.Reparameterization.valueOf(kind)).withHiddenSize(12);
            PeftModel peft = PeftModel.wrap(model, config, 0);
            Map<String, Tensor> trainable = peft.trainableParameters();
            List<String> peftNames = new ArrayList<>();
            ref.get("initial").fieldNames().forEachRemaining(peftNames::add);
            assertEquals(new TreeSet<>(peftNames), new TreeSet<>(trainable.keySet()), "PEFT's tensor names");
            try (var noGrad = Autograd.noGrad()) {
                trainable.forEach((name, t) -> t.copyFrom(Tensor.of(doubles(ref.get("initial").get(name)), t.shape()).to(DType.FLOAT32)));
            }
            peft.train(new RandomKey(0, 0, 0, 0));
            T5Output out = model.forward(ids, mask, null, labels);
            assertClose(kind + " logits", doubles(ref.get("logits")), out.logits().toDoubleArray());
            assertEquals(ref.get("loss").asDouble(), out.loss().item(), RTOL * Math.abs(ref.get("loss").asDouble()), kind + " loss");
            out.loss().backward();
            for (Map.Entry<String, Tensor> e : trainable.entrySet()) {
                assertClose(kind + " gradient of " + e.getKey(), doubles(ref.get("grads").get(e.getKey())),
                        e.getValue().grad().toDoubleArray());
            }
            peft.eval();
            assertTokens(kind + " greedy", ref.get("greedy"), T5Generation.generate(model, ids, mask, GenerationConfig.greedy(8)));
            assertTokens(kind + " beam", ref.get("beam"), T5Generation.generate(model, ids, mask,
                    GenerationConfig.beams(3, 8).withEarlyStopping(GenerationConfig.EarlyStopping.TRUE)));
            ours = model.forward(ids, mask, null, labels).logits().toDoubleArray();
            peft.save(dir.resolve("ours"), dir.resolve("base").toString());
            assertTrue(Files.isRegularFile(dir.resolve("ours").resolve("resume_state.safetensors")) == false,
                    "PeftModel.save writes the reference files only");
            peft.unload();

            PeftModel loaded = PeftModel.load(model, dir.resolve("adapter"), 0);
            assertClose(kind + " PEFT's file here", doubles(ref.get("logits")), model.forward(ids, mask, null, labels).logits().toDoubleArray());
            loaded.unload();
        }
        JsonNode peft = JSON.readTree(PythonReference.runFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("ours").toString()));
        assertClose(kind + " our file in PEFT", doubles(peft.get("logits")), ours);
    }

    @Test
    void aKilledRunResumesToTheEncoderOfAnUninterruptedOne(@TempDir Path dir) {
        TrainerConfig config = TrainerConfig.defaults().withLearningRate(1e-2).withSteps(6, 0).withBatching(2, 1, true)
                .withCheckpoints(3, 2).withLogEvery(1).withSeed(5);
        Map<String, float[]> straight = train(config, dir.resolve("straight"), 6);
        train(config, dir.resolve("resumed"), 3);
        Map<String, float[]> resumed = train(config, dir.resolve("resumed"), 6);
        assertEquals(straight.keySet(), resumed.keySet());
        straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0f, k + ": resume is exact"));
        assertTrue(Files.isRegularFile(dir.resolve("straight/checkpoints/step-00000006/weights/resume_state.safetensors")));
    }

    private static Map<String, float[]> train(TrainerConfig config, Path runDir, int stopAt) {
        List<TokenizedExample> examples = new ArrayList<>();
        java.util.Random r = new java.util.Random(2);
        for (int i = 0; i < 8; i++) {
            examples.add(new TokenizedExample("e" + i, r.ints(4 + r.nextInt(4), 2, 64).toArray(), r.ints(3, 2, 64).toArray()));
        }
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(dev.lora4j.t5.T5Config.parse("""
                {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
                 "num_decoder_layers": 2, "num_heads": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
                 "dropout_rate": 0.1, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
                """), 1, Device.CPU, DType.FLOAT32)) {
            PeftModel peft = PeftModel.wrap(model, PTuningConfig.of(2, PTuningConfig.Reparameterization.MLP).withHiddenSize(8), 4);
            Trainer.Listener stop = new Trainer.Listener() {
                @Override
                public void onCheckpoint(long step, Path checkpoint) {
                    if (step == stopAt && stopAt < config.maxSteps()) {
                        throw new IllegalStateException("killed");
                    }
                }
            };
            try {
                new Trainer(TrainableModel.adapter(peft, "tiny"), config, examples, List.of(), 0, runDir, stop).run();
            } catch (IllegalStateException killed) {
                return Map.of();
            }
            Map<String, float[]> out = new TreeMap<>();
            peft.trainableParameters().forEach((k, t) -> out.put(k, t.toFloatArray()));
            return out;
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        ParityAsserts.assertClose("p-tuning " + what, expected, actual, RTOL);
    }

    private static void assertTokens(String what, JsonNode expected, long[][] actual) {
        ParityAsserts.assertTokens(what, expected, actual);
    }
}
