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

    /**
     * Prepends the prompt rows to each of the input's B sequences, with their mask entries set to keep.
     *
     * @param in     the encoder input: embeddings (B, T, d_model) and keep mask (B, T)
     * @param prompt the virtual-token rows (P, d_model), any float dtype; cast to the embeddings' dtype
     * @return a new input with embeddings (B, P + T, d_model) and mask (B, P + T); its tensors are new,
     *         owned by the caller (or the current scope)
     */
    public static T5Hooks.EncoderInput prepend(T5Hooks.EncoderInput in, Tensor prompt) {
        long batch = in.embeddings().size(0);
        long p = prompt.size(0);
        Tensor rows = prompt.to(in.embeddings().dtype()).unsqueeze(0).expand(batch, p, prompt.size(1)); // (B, P, d_model)
        Tensor keep = Tensor.ones(DType.BOOL, in.keep().device(), batch, p); // (B, P)
        return new T5Hooks.EncoderInput(Tensor.cat(1, rows, in.embeddings()), Tensor.cat(1, keep, in.keep()));
    }
}
