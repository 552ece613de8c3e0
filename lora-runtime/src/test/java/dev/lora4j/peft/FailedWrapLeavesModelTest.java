package dev.lora4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.Lora4jException;
import dev.lora4j.peft.bitfit.BitFitConfig;
import dev.lora4j.peft.bitfit.BitFitModel;
import dev.lora4j.peft.ia3.Ia3Config;
import dev.lora4j.peft.ia3.Ia3Model;
import dev.lora4j.peft.lntuning.LnTuningConfig;
import dev.lora4j.peft.lntuning.LnTuningModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.peft.lora.LoraModel;
import dev.lora4j.peft.prompt.PromptTuningConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrapping freezes the model first; when the wrap then fails (targets that match nothing), the model must
 * be left as the caller had it: the parameters that took gradients still do, and no layer stays replaced.
 */
class FailedWrapLeavesModelTest {
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 1,
             "num_decoder_layers": 1, "num_heads": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;
    private static final ModuleNames NOTHING = ModuleNames.of("no_such_layer");

    @Test
    void loraIa3BitFitAndLnTuningUndoTheirFreezeWhenTheTargetsMatchNothing() {
        Map<String, Consumer<T5ForConditionalGeneration>> wraps = Map.of(
                "lora", m -> LoraModel.wrap(m, LoraConfig.defaults().withTargets(LoraConfig.TargetModules.names("no_such_layer")), 1),
                "ia3", m -> Ia3Model.wrap(m, Ia3Config.defaults().withTargets(NOTHING, NOTHING), 1),
                "bitfit", m -> BitFitModel.wrap(m, new BitFitConfig(NOTHING, true, List.of()), 1),
                "ln_tuning", m -> LnTuningModel.wrap(m, new LnTuningConfig(NOTHING, null, List.of())));
        long live = NativeLibrary.liveTensors();
        for (var wrap : new TreeMap<>(wraps).entrySet()) {
            try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
                model.requiresGrad(true);
                model.namedParameters().get("shared.weight").requiresGrad(false); // a frozen one stays frozen
                Map<String, Boolean> before = trainable(model);
                var e = assertThrows(Lora4jException.class, () -> wrap.getValue().accept(model), wrap.getKey());
                assertTrue(e.getMessage().contains("matched no"), e.getMessage());
                assertEquals(before, trainable(model), wrap.getKey() + ": requires_grad as before the failed wrap");
            }
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    /** Prompt tuning freezes the model, then builds its table; here the TEXT init's tokenizer is missing. */
    @Test
    void aPromptWhoseTableCannotBeBuiltLeavesTheModelAsItWas(@TempDir Path dir) {
        var config = new PromptTuningConfig(4, PromptTuningConfig.Init.TEXT, "Summarize:", dir.resolve("no_tokenizer").toString());
        expectModelUnchanged(m -> PeftModel.wrap(m, config, 1), "does not exist");
    }

    /** Loading attaches first and reads the weights after; a truncated weights file must undo both. */
    @Test
    void anAdapterWhoseWeightsFileIsCorruptLeavesTheModelAsItWas(@TempDir Path dir) throws IOException {
        try (T5ForConditionalGeneration model = tinyModel()) {
            PeftModel.wrap(model, LoraConfig.defaults(), 1).save(dir, "tiny");
        }
        Path weights = dir.resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        expectModelUnchanged(m -> PeftModel.load(m, dir, 1), "adapter_model.safetensors");
    }

    private static void expectModelUnchanged(Consumer<T5ForConditionalGeneration> wrap, String messagePart) {
        long live = NativeLibrary.liveTensors();
        try (T5ForConditionalGeneration model = tinyModel()) {
            model.requiresGrad(true);
            model.namedParameters().get("shared.weight").requiresGrad(false);
            Map<String, Boolean> before = trainable(model);
            var e = assertThrows(Lora4jException.class, () -> wrap.accept(model));
            assertTrue(e.getMessage().contains(messagePart), e.getMessage());
            assertEquals(before, trainable(model), "requires_grad as before the failed wrap");
            assertTrue(model.hooks().isEmpty(), "no hook left behind");
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    private static T5ForConditionalGeneration tinyModel() {
        return T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32);
    }

    private static Map<String, Boolean> trainable(T5ForConditionalGeneration model) {
        Map<String, Boolean> out = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().requiresGrad());
        }
        return out;
    }
}
