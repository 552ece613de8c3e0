package dev.lora4j.summarize;

import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.tokenizer.EncodeOptions;
import dev.lora4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Batched summarization: each dialogue is put in the prompt, truncated to the source length, and
 * generated with greedy or beam search. Inputs are batched in order of length (so little padding is
 * computed) and the summaries come back in input order, decoded as transformers'
 * {@code batch_decode(..., skip_special_tokens=True)} does.
 */
public final class Summarizer {
    private final T5ForConditionalGeneration model;
    private final Tokenizer tokenizer;
    private final SummarizationPrompt prompt;
    private final EncodeOptions sourceOptions;
    private final GenerationConfig generation;
    private final int batchSize;

    /**
     * Creates a summarizer; the model is not copied and is switched to eval mode when generating.
     *
     * @param model           the model to generate with
     * @param tokenizer       the model's tokenizer
     * @param prompt          how each dialogue is put into the source text
     * @param maxSourceLength the token limit each source is truncated to, special tokens included; at least 2
     * @param generation      the decoding settings (greedy or beam search, lengths)
     * @param batchSize       the number of sources generated together; positive
     * @throws dev.lora4j.Lora4jException when {@code maxSourceLength} or {@code batchSize} is out of range
     */
    public Summarizer(T5ForConditionalGeneration model, Tokenizer tokenizer, SummarizationPrompt prompt,
                      int maxSourceLength, GenerationConfig generation, int batchSize) {
        if (maxSourceLength < 2) {
            throw new Lora4jException("summarize", "maximum source length must be at least 2 tokens, got " + maxSourceLength);
        }
        if (batchSize < 1) {
            throw new Lora4jException("summarize", "batch size must be positive, got " + batchSize);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.sourceOptions = EncodeOptions.builder().truncateTo(maxSourceLength).build();
        this.generation = generation;
        this.batchSize = batchSize;
    }

    /**
     * The prompt each dialogue is formatted with.
     *
     * @return the prompt
     */
    public SummarizationPrompt prompt() {
        return prompt;
    }

    /**
     * The decoding settings.
     *
     * @return the generation configuration
     */
    public GenerationConfig generation() {
        return generation;
    }

    /**
     * Summaries of the dialogues, in input order.
     *
     * @param dialogues the dialogues to summarize
     * @return an unmodifiable list of summaries, one per dialogue
     */
    public List<String> summarize(List<String> dialogues) {
        return summarize(dialogues, done -> {});
    }

    /**
     * Summaries of the dialogues, in input order.
     *
     * @param dialogues the dialogues to summarize
     * @param progress  called after each batch with the number of dialogues finished in that batch
     * @return an unmodifiable list of summaries, one per dialogue
     * @throws dev.lora4j.Lora4jException when an empty summary comes from non-finite logits
     */
    public List<String> summarize(List<String> dialogues, IntConsumer progress) {
        List<String> sources = new ArrayList<>(dialogues.size());
        for (String dialogue : dialogues) {
            sources.add(prompt.format(dialogue));
        }
        return generate(sources, progress);
    }

    /**
     * Generates for already-formatted source texts (no prompt added), in input order.
     *
     * @param sources  the complete source texts, each truncated to the maximum source length
     * @param progress called after each batch with the number of sources finished in that batch
     * @return an unmodifiable list of generated texts, one per source
     * @throws dev.lora4j.Lora4jException when an empty summary comes from non-finite logits
     */
    public List<String> generate(List<String> sources, IntConsumer progress) {
        int[][] encoded = new int[sources.size()][];
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = tokenizer.encode(sources.get(i), sourceOptions);
        }
        Integer[] order = new Integer[encoded.length];
        Arrays.setAll(order, i -> i);
        // Longest first, ties in input order: a stable, deterministic batching.
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -encoded[i].length).thenComparingInt(i -> i));
        String[] out = new String[encoded.length];
        T5ForConditionalGeneration.Mode before = model.mode();
        model.eval();
        try {
            for (int start = 0; start < order.length; start += batchSize) {
                int end = Math.min(order.length, start + batchSize);
                int[][] batch = new int[end - start][];
                for (int k = start; k < end; k++) {
                    batch[k - start] = encoded[order[k]];
                }
                long[][] generated = generateBatch(batch);
                for (int k = start; k < end; k++) {
                    out[order[k]] = tokenizer.decode(toInts(generated[k - start]), true);
                    if (out[order[k]].isEmpty()) {
                        requireFiniteOutput(encoded[order[k]], order[k]);
                    }
                }
                progress.accept(end - start);
            }
        } finally {
            model.restoreMode(before); // generating in the middle of training leaves the model training
        }
        return List.of(out);
    }

    private long[][] generateBatch(int[][] rows) {
        int length = 0;
        for (int[] row : rows) {
            length = Math.max(length, row.length);
        }
        long[] ids = new long[rows.length * length];
        long[] mask = new long[rows.length * length];
        Arrays.fill(ids, tokenizer.padTokenId());
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                ids[r * length + c] = rows[r][c];
                mask[r * length + c] = 1;
            }
        }
        try (Scope scope = Scope.open()) {
            Tensor inputIds = Tensor.of(ids, rows.length, length);
            Tensor attention = Tensor.of(mask, rows.length, length);
            return T5Generation.generate(model, inputIds, attention, generation);
        }
    }

    /**
     * An empty summary is what NaN logits decode to (every argmax lands on padding), so it is the one
     * case checked: the first decoding step of that input must give finite logits. One extra forward
     * pass, only for empty summaries; non-empty ones cost nothing.
     */
    private void requireFiniteOutput(int[] source, int index) {
        long[] ids = new long[source.length];
        long[] mask = new long[source.length];
        for (int i = 0; i < source.length; i++) {
            ids[i] = source[i];
            mask[i] = 1;
        }
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            Tensor decoderStart = Tensor.of(new long[] {model.config().decoderStartTokenId()}, 1, 1);
            T5Output output = model.forward(Tensor.of(ids, 1, ids.length), Tensor.of(mask, 1, ids.length), decoderStart, null);
            if (!output.logits().allFinite()) {
                throw new Lora4jException("summarize", "the model's output is NaN or infinite for input " + (index + 1)
                        + ": its weights hold non-finite values, or a half-precision dtype overflowed (try float32)");
            }
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }
}
