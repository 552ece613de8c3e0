package dev.lora4j.t5;

import dev.lora4j.tensor.Tensor;

/**
 * What a forward pass returns, in the caller's scope.
 *
 * @param logits                 (B, T, vocab) in the model's dtype; after a padding-free training forward
 *                               ({@link T5ForConditionalGeneration#forwardPaddingFree}) zero at the positions
 *                               after each row's last label, which were not computed
 * @param loss                   mean cross entropy over labels != -100 (0-dim), or null without labels
 * @param encoderLastHiddenState (B, S, d_model); after a padding-free training forward zero at padding
 */
public record T5Output(Tensor logits, Tensor loss, Tensor encoderLastHiddenState) implements AutoCloseable {
    @Override
    public void close() {
        logits.close();
        if (loss != null) {
            loss.close();
        }
        encoderLastHiddenState.close();
    }
}
