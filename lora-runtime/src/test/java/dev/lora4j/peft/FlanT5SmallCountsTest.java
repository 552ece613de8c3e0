package dev.lora4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lora4j.peft.bitfit.BitFitConfig;
import dev.lora4j.peft.ia3.Ia3Config;
import dev.lora4j.peft.lntuning.LnTuningConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.SharedData;
import org.junit.jupiter.api.Test;

/**
 * Trainable sizes on FLAN-T5-small's shapes (8+8 layers, d_model 512, inner 6·64 = 384, d_ff 1024, gated):
 * IA3 34,816 (PEFT's count: 8·(2·384 + 1024) + 8·(4·384 + 1024)); LN tuning 42 norms of 512 = 21,504;
 * BitFit 8·(3·384 + 512 + 2·1024 + 512) + 8·(2·(3·384 + 512) + 2·1024 + 512) = 80,896.
 */
class FlanT5SmallCountsTest {
    @Test
    void trainableSizesOnFlanT5Small() {
        T5Config config = T5Config.load(SharedData.path("flan-t5-small/config.json"));
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 1, Device.CPU, DType.FLOAT32)) {
            assertEquals(34_816, trainable(model, Ia3Config.defaults()));
            assertEquals(21_504, trainable(model, LnTuningConfig.defaults()));
            assertEquals(80_896, trainable(model, BitFitConfig.defaults()));
        }
    }

    private static long trainable(T5ForConditionalGeneration model, MethodConfig config) {
        PeftModel peft = PeftModel.wrap(model, config, 0);
        long n = peft.trainableParameters().values().stream().mapToLong(Tensor::numel).sum();
        assertEquals(n, peft.parameterCounts().trainable());
        peft.unload();
        return n;
    }
}
