package dev.lora4j.peft.prompt;

import dev.lora4j.t5.T5Hooks;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;

/**
 * What prompt tuning and P-tuning do to the encoder input, as PEFT's seq2seq forward and generate() do
 * it: the same P rows in front of every sequence's embeddings (cast to their dtype), kept by the mask.
 */
public final class VirtualTokens {
    private VirtualTokens() {}

    /** prompt (P, d_model), any float dtype → the input with P rows prepended to each of its B sequences. */
    public static T5Hooks.EncoderInput prepend(T5Hooks.EncoderInput in, Tensor prompt) {
        long batch = in.embeddings().size(0);
        long p = prompt.size(0);
        Tensor rows = prompt.to(in.embeddings().dtype()).unsqueeze(0).expand(batch, p, prompt.size(1)); // (B, P, d_model)
        Tensor keep = Tensor.ones(DType.BOOL, in.keep().device(), batch, p); // (B, P)
        return new T5Hooks.EncoderInput(Tensor.cat(1, rows, in.embeddings()), Tensor.cat(1, keep, in.keep()));
    }
}
