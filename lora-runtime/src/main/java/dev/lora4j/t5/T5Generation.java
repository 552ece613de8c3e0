package dev.lora4j.t5;

import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

/**
 * Text generation with a T5 model, choosing the same tokens as transformers 5.17's
 * {@code model.generate} (greedy search, or beam search with length penalty and early stopping),
 * including for padded batches.
 *
 * <p>The encoder runs once; the decoder runs one token per step with a key/value cache, and the
 * cross-attention keys/values of the encoder output are computed once per sequence. Generation always
 * runs without dropout and without recording gradients, whatever the model's mode. The special tokens
 * (decoder start, EOS, pad) come from the model's config.
 */
public final class T5Generation {
    private T5Generation() {}

    /**
     * Generates for every row of a batch.
     *
     * @param model         the model to generate with; its mode is left as it was
     * @param config        how to decode: greedy when it has one beam, else beam search
     * @param inputIds      (B, S) int64 source tokens
     * @param attentionMask (B, S) 1 = token, 0 = padding, or null for none
     * @return per row the decoder tokens, starting with decoder_start_token_id, as transformers returns
     *         them: all rows have the same length; greedy search pads finished rows with the pad token,
     *         beam search with transformers' fill value (the pad token, or EOS when the pad token is 0)
     */
    public static long[][] generate(T5ForConditionalGeneration model, Tensor inputIds, Tensor attentionMask,
                                    GenerationConfig config) {
        try (Autograd.Mode noGrad = Autograd.noGrad(); Scope scope = Scope.open()) {
            Tensor ids = inputIds.to(model.device());
            Tensor keep = attentionMask != null
                    ? AttentionMasks.keep(attentionMask.to(model.device()))
                    : Tensor.ones(DType.BOOL, model.device(), ids.size(0), ids.size(1)); // (B, S)
            T5Hooks.EncoderInput encoded = model.encodeForGeneration(ids, keep); // (B, S', d_model), (B, S')
            return config.numBeams() == 1
                    ? GreedySearch.run(model, encoded.embeddings(), encoded.keep(), config)
                    : BeamSearch.run(model, encoded.embeddings(), encoded.keep(), config);
        }
    }
}
