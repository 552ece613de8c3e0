package dev.lora4j.examples.demo;

import dev.lora4j.train.BatchTensors;
import dev.lora4j.data.Batch;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Greedy summaries of a list of dialogues, in padded batches. (The demo's own helper until the
 * library's batched summarizer is available to it.)
 */
final class GreedySummaries {
    private long generatedTokens;

    /** Tokens generated so far, end-of-sequence tokens included, padding not. */
    long generatedTokens() {
        return generatedTokens;
    }

    /**
     * @param progress told the number of dialogues done after each batch
     */
    List<String> summarize(T5ForConditionalGeneration model, SummarizationEncoder encoder, List<String> dialogues,
                           GenerationConfig generation, int batchSize, IntConsumer progress) {
        List<String> out = new ArrayList<>(dialogues.size());
        int pad = encoder.tokenizer().padTokenId();
        int eos = encoder.tokenizer().eosTokenId();
        for (int start = 0; start < dialogues.size(); start += batchSize) {
            List<TokenizedExample> batch = new ArrayList<>();
            for (String d : dialogues.subList(start, Math.min(dialogues.size(), start + batchSize))) {
                batch.add(new TokenizedExample("", encoder.encodeSource(d), new int[] {eos}));
            }
            Batch padded = Batch.of(batch, pad);
            long[][] rows;
            try (Scope scope = Scope.open()) {
                Tensor ids = BatchTensors.inputIds(padded, model.device());
                Tensor mask = BatchTensors.attentionMask(padded, model.device());
                rows = T5Generation.generate(model, ids, mask, generation);
            }
            for (long[] row : rows) {
                out.add(encoder.tokenizer().decode(contentOf(row, pad, eos), true).strip());
            }
            progress.accept(out.size());
        }
        return out;
    }

    /** The generated ids after the decoder start, up to the first EOS; counts them (EOS included). */
    private int[] contentOf(long[] row, int pad, int eos) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i < row.length; i++) {
            generatedTokens++;
            if (row[i] == eos) {
                break;
            }
            if (row[i] != pad) {
                ids.add((int) row[i]);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
