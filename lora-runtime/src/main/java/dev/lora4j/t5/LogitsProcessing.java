package dev.lora4j.t5;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;

/**
 * The score adjustments transformers applies before choosing tokens, for the options
 * {@link GenerationConfig} offers: no_repeat_ngram_size bans every token that would complete an
 * n-gram already present in the row, and min_new_tokens bans EOS until enough tokens exist. Banned
 * scores become -inf.
 */
final class LogitsProcessing {
    private final GenerationConfig config;
    private final long eosTokenId;

    LogitsProcessing(GenerationConfig config, long eosTokenId) {
        this.config = config;
        this.eosTokenId = eosTokenId;
    }

    /**
     * @param scores    (N, V) float32 (raw logits for greedy search, log-probabilities for beam search)
     * @param sequences per row, the decoder tokens so far (start token first); only [0, length) is read
     * @param length    tokens so far in every row
     * @return (N, V)
     */
    Tensor apply(Tensor scores, long[][] sequences, int length) {
        long rows = scores.size(0);
        int vocab = Math.toIntExact(scores.size(1));
        boolean[] banned = null; // (N, V) row-major, allocated on the first ban
        if (config.noRepeatNgramSize() > 0) {
            for (int row = 0; row < rows; row++) {
                for (long token : NoRepeatNgram.bannedTokens(sequences[row], length, config.noRepeatNgramSize())) {
                    banned = banned == null ? new boolean[Math.multiplyExact((int) rows, vocab)] : banned;
                    banned[row * vocab + (int) token] = true;
                }
            }
        }
        // min_new_tokens: the start token is not a generated one.
        if (length - 1 < config.minNewTokens()) {
            banned = banned == null ? new boolean[Math.multiplyExact((int) rows, vocab)] : banned;
            for (int row = 0; row < rows; row++) {
                banned[row * vocab + (int) eosTokenId] = true;
            }
        }
        if (banned == null) {
            return scores;
        }
        Tensor mask = Tensor.of(banned, rows, vocab).to(scores.device()); // (N, V) bool
        return scores.maskedFill(mask, Double.NEGATIVE_INFINITY);
    }

    static Tensor toFloat32(Tensor logits) {
        return logits.dtype() == DType.FLOAT32 ? logits : logits.to(DType.FLOAT32);
    }
}
