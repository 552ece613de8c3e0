package dev.lora4j.summarize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.testing.NativeLeakCheck;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Generation refuses non-finite results: NaN logits decode to an empty summary (every argmax lands on
 * padding), which must be an error naming the cause, not an empty string with success.
 */
@ExtendWith(NativeLeakCheck.class)
class NonFiniteOutputTest {
    private static T5Config byteConfig() {
        return T5Config.parse("""
                {"model_type": "t5", "vocab_size": 384, "d_model": 16, "d_kv": 4, "d_ff": 24, "num_layers": 1,
                 "num_heads": 2, "relative_attention_num_buckets": 8, "relative_attention_max_distance": 20,
                 "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "decoder_start_token_id": 0,
                 "eos_token_id": 1, "pad_token_id": 0}
                """);
    }

    @Test
    void nanWeightsInMemoryMakeGenerationFailInsteadOfReturningEmptySummaries() {
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(byteConfig(), 3, Device.CPU, DType.FLOAT32)) {
            Summarizer summarizer = new Summarizer(model, ByT5Tokenizer.create(), new SummarizationPrompt(SummarizationPrompt.DEFAULT_TEMPLATE),
                    64, GenerationConfig.greedy(4), 2);
            model.train(new RandomKey(5, 0, 1, 0));
            assertEquals(2, summarizer.summarize(List.of("#Person1#: Hi.", "#Person2#: Hello.")).size(), "finite weights generate");
            assertTrue(model.isTraining(), "generation runs in evaluation mode and then puts the training mode back");
            assertEquals(new RandomKey(5, 0, 1, 0), model.mode().key());
            model.eval();
            try (var noGrad = Autograd.noGrad()) {
                model.namedParameters().get("lm_head.weight").fill(Double.NaN);
            }
            Lora4jException e = assertThrows(Lora4jException.class, () -> summarizer.summarize(List.of("#Person1#: Hi.")));
            assertTrue(e.getMessage().contains("NaN or infinite for input 1"), e.getMessage());
        }
    }
}
