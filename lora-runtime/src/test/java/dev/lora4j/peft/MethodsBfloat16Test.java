package dev.lora4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.peft.bitfit.BitFitConfig;
import dev.lora4j.peft.ia3.Ia3Config;
import dev.lora4j.peft.lntuning.LnTuningConfig;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.train.AdamW;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bfloat16 base, as trained on a GPU: the tensors keep PEFT's dtypes (IA3 vectors, BEFT biases and DoRA's
 * A, B and magnitude float32,
 * PEFT's autocast_adapter_dtype; LN tuning copies the norm in the base's dtype, as PEFT's deepcopy does,
 * checked in PEFT 0.21.2), activations stay bfloat16, and one AdamW step on the gradients runs.
 */
class MethodsBfloat16Test {
    private static final T5Config GATED = T5Config.parse("""
            {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 24, "num_layers": 2,
             "num_heads": 4, "relative_attention_num_buckets": 8, "relative_attention_max_distance": 20,
             "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "decoder_start_token_id": 0}
            """);

    @Test
    void eachMethodTrainsOverABfloat16Base() {
        Map<MethodConfig, DType> methods = Map.of(
                Ia3Config.defaults().withInitIa3Weights(false), DType.FLOAT32,
                LnTuningConfig.defaults(), DType.BFLOAT16,
                BitFitConfig.defaults().withInitWeights(false), DType.FLOAT32,
                LoraConfig.defaults().withDora(true).withInit(LoraConfig.Init.RANDOM), DType.FLOAT32);
        for (var m : methods.entrySet()) {
            try (Scope scope = Scope.open();
                 T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(GATED, 3, Device.CPU, DType.BFLOAT16)) {
                PeftModel peft = PeftModel.wrap(model, m.getKey(), 1);
                Map<String, Tensor> trainable = peft.trainableParameters();
                trainable.forEach((name, t) -> assertEquals(m.getValue(), t.dtype(), name));
                T5Output out = model.forward(Tensor.of(new long[] {5, 17, 9, 1}, 1, 4), null, null,
                        Tensor.of(new long[] {12, 7, 1}, 1, 3));
                assertEquals(DType.BFLOAT16, out.logits().dtype(), m.getKey().method().name());
                out.loss().backward();
                double before = trainable.values().iterator().next().to(DType.FLOAT32).sum().item();
                try (AdamW adam = new AdamW(List.copyOf(trainable.values()), AdamW.Options.defaults().withLr(1e-2))) {
                    trainable.forEach((name, t) -> assertNotNull(t.grad(), name + " has a gradient"));
                    adam.step();
                }
                double after = trainable.values().iterator().next().to(DType.FLOAT32).sum().item();
                assertTrue(before != after, m.getKey().method().name() + ": the step changed the tensors");
                peft.unload();
            }
        }
    }
}
