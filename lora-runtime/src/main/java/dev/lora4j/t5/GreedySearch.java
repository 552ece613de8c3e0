package dev.lora4j.t5;

import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Greedy decoding as transformers' _sample with do_sample=False: each step takes the argmax of the
 * processed logits; a row that produced EOS keeps receiving the pad token until every row has
 * finished or max_new_tokens is reached.
 */
final class GreedySearch {
    private GreedySearch() {}

    /** encoderHidden (B, S, d_model), keep (B, S) bool → tokens per row (start token first). */
    static long[][] run(T5ForConditionalGeneration model, Tensor encoderHidden, Tensor keep, GenerationConfig config) {
        T5Config t5 = model.config();
        int rows = Math.toIntExact(encoderHidden.size(0));
        int maxLength = 1 + config.maxNewTokens(); // the decoder start token counts, as in transformers
        LogitsProcessing processing = new LogitsProcessing(config, t5.eosTokenId());
        long[][] sequences = new long[rows][maxLength];
        boolean[] unfinished = new boolean[rows];
        for (int row = 0; row < rows; row++) {
            sequences[row][0] = t5.decoderStartTokenId();
            unfinished[row] = true;
        }
        int length = 1;
        T5KeyValueCache cache = model.startDecoding(encoderHidden, keep, maxLength);
        while (true) {
            long[] next;
            try (Scope step = Scope.open()) {
                long[] last = new long[rows];
                for (int row = 0; row < rows; row++) {
                    last[row] = sequences[row][length - 1];
                }
                Tensor tokens = Tensor.of(last, rows).to(model.device()); // (B)
                Tensor logits = LogitsProcessing.toFloat32(model.decodeStep(tokens, cache)); // (B, V)
                Tensor scores = processing.apply(logits, sequences, length); // (B, V)
                next = scores.argmax(-1, false).toLongArray(); // (B)
            }
            boolean anyUnfinished = false;
            for (int row = 0; row < rows; row++) {
                long token = unfinished[row] ? next[row] : t5.padTokenId();
                sequences[row][length] = token;
                if (unfinished[row] && (token == t5.eosTokenId() || length + 1 >= maxLength)) {
                    unfinished[row] = false;
                }
                anyUnfinished |= unfinished[row];
            }
            length++;
            if (!anyUnfinished) {
                break;
            }
        }
        long[][] out = new long[rows][];
        for (int row = 0; row < rows; row++) {
            out[row] = Arrays.copyOf(sequences[row], length);
        }
        return out;
    }
}
