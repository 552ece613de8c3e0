package dev.lora4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.Lora4jException;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After unload or merge-and-unload a PeftModel refuses everything that reads the adapter's state (its
 * tensors are gone) with a clear message, and still answers what was attached (config, method, model).
 */
class UnloadedPeftModelTest {
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 1,
             "num_decoder_layers": 1, "num_heads": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;

    @Test
    void anUnloadedAdapterRefusesItsStateButNamesWhatWasAttached(@TempDir Path dir) {
        long live = NativeLibrary.liveTensors();
        for (boolean merge : new boolean[] {false, true}) {
            try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 3, Device.CPU, DType.FLOAT32)) {
                LoraConfig config = LoraConfig.defaults().withR(2);
                PeftModel peft = PeftModel.wrap(model, config, 1);
                assertSame(model, merge ? peft.mergeAndUnload() : peft.unload());
                List<Consumer<PeftModel>> refused = List.of(PeftModel::describe, PeftModel::adapter, PeftModel::trainableParameters,
                        PeftModel::stateDict, PeftModel::parameterCounts, PeftModel::merge, PeftModel::unload,
                        p -> p.save(dir, "base"), p -> p.setEnabled(false));
                for (Consumer<PeftModel> call : refused) {
                    var e = assertThrows(Lora4jException.class, () -> call.accept(peft));
                    assertTrue(e.getMessage().contains("unloaded"), e.getMessage());
                }
                assertEquals(config, peft.config());
                assertEquals(config.method(), peft.method());
                assertSame(model, peft.model());
            }
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }
}
