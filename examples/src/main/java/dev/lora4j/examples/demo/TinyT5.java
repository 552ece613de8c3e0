package dev.lora4j.examples.demo;

import dev.lora4j.t5.T5Config;
import dev.lora4j.Lora4jException;

/**
 * The size of the demo's byte-level T5 with ByT5's 384-id vocabulary, small enough to pretrain and
 * fine-tune on two CPU cores in minutes: T5 v1.1's gated GELU feed-forward, but T5 v1.0's tied
 * embeddings. Tying matters here: a tied head scales the decoder output by d_model^-0.5, while an untied
 * head is initialised with std 1 (transformers' scheme), which starts a narrow model with logits of
 * std ~√d_model, far above a uniform guess, and measurably slowed the first hundred steps.
 *
 * @param dModel         width of the residual stream
 * @param dFf            width of the feed-forward layer
 * @param numHeads       attention heads (each dModel / numHeads wide)
 * @param encoderLayers  encoder blocks
 * @param decoderLayers  decoder blocks
 * @param gated          gated-gelu (T5 v1.1) when true, relu (T5 v1.0) when false
 */
public record TinyT5(int dModel, int dFf, int numHeads, int encoderLayers, int decoderLayers, boolean gated) {
    /** ByT5's vocabulary: 3 special ids, 256 bytes, 125 sentinels. */
    public static final int VOCAB_SIZE = 384;

    public TinyT5 {
        if (dModel < 1 || dFf < 1 || numHeads < 1 || encoderLayers < 1 || decoderLayers < 1) {
            throw new Lora4jException("demo model", "every size must be positive");
        }
        if (dModel % numHeads != 0) {
            throw new Lora4jException("demo model", "d_model " + dModel + " is not a multiple of " + numHeads + " heads");
        }
    }

    /** The T5 config: no dropout (training is far too short to overfit), position buckets as in T5. */
    public T5Config config() {
        return T5Config.parse("""
                {"model_type": "t5", "vocab_size": %d, "d_model": %d, "d_kv": %d, "d_ff": %d, "num_layers": %d,
                 "num_decoder_layers": %d, "num_heads": %d, "feed_forward_proj": "%s", "tie_word_embeddings": true,
                 "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
                 "dropout_rate": 0.0, "layer_norm_epsilon": 1e-6, "initializer_factor": 1.0,
                 "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
                """.formatted(VOCAB_SIZE, dModel, dModel / numHeads, dFf, encoderLayers, decoderLayers, numHeads,
                gated ? "gated-gelu" : "relu"));
    }
}
