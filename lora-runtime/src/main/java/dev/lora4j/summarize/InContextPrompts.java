package dev.lora4j.summarize;

import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.EncodeOptions;
import dev.lora4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Zero-, one- and few-shot prompts: the in-context baseline a fine-tuned model is compared with. Each
 * shot is a solved example (the prompt around a training dialogue followed by its summary), and the
 * dialogue to summarize comes last in the same prompt. The shots are the k shortest training examples,
 * so the choice is deterministic and leaves the most room for the dialogue; when a source would be
 * longer than the model's input length, shots are dropped (the first ones first) until it fits, because
 * truncating the end would cut the very dialogue being summarized.
 */
public final class InContextPrompts {
    private static final String SHOT_SEPARATOR = "\n\n\n";

    private final SummarizationPrompt prompt;
    private final List<String> shots;
    private final Tokenizer tokenizer;
    private final int maxSourceLength;

    private InContextPrompts(SummarizationPrompt prompt, List<String> shots, Tokenizer tokenizer, int maxSourceLength) {
        this.prompt = prompt;
        this.shots = shots;
        this.tokenizer = tokenizer;
        this.maxSourceLength = maxSourceLength;
    }

    /**
     * Builds the prompts, taking the {@code shotCount} shortest examples of {@code pool} (by dialogue plus
     * summary length, ties by id) as shots.
     *
     * @param prompt          how each dialogue, shots included, is put into the source text
     * @param shotCount 0 for zero-shot; otherwise that many solved examples from {@code pool}
     * @param pool      where shots come from (the training split: never the examples being evaluated)
     * @param tokenizer       the model's tokenizer, used to measure sources
     * @param maxSourceLength the model's input length in tokens, special tokens included; shots are dropped
     *     until a source fits
     * @return the prompts
     * @throws dev.lora4j.Lora4jException when {@code shotCount} is negative or larger than the pool
     */
    public static InContextPrompts of(SummarizationPrompt prompt, int shotCount, List<DialogueExample> pool,
                                      Tokenizer tokenizer, int maxSourceLength) {
        if (shotCount < 0) {
            throw new Lora4jException("prompt", "shot count must be >= 0, got " + shotCount);
        }
        if (shotCount > pool.size()) {
            throw new Lora4jException("prompt", shotCount + " shots asked for but only " + pool.size() + " examples to draw from");
        }
        List<DialogueExample> shortest = new ArrayList<>(pool);
        shortest.sort(Comparator.comparingInt((DialogueExample e) -> e.dialogue().length() + e.summary().length())
                .thenComparing(DialogueExample::id));
        List<String> shots = new ArrayList<>(shotCount);
        for (DialogueExample e : shortest.subList(0, shotCount)) {
            shots.add(prompt.format(e.dialogue()) + e.summary() + SHOT_SEPARATOR);
        }
        return new InContextPrompts(prompt, List.copyOf(shots), tokenizer, maxSourceLength);
    }

    /**
     * The number of shots available; a long dialogue may use fewer.
     *
     * @return the number of solved examples held
     */
    public int shotCount() {
        return shots.size();
    }

    /**
     * The full source text for one dialogue, with as many shots as fit in the input length.
     *
     * @param dialogue the dialogue to summarize
     * @return the shots that fit, then the prompt around the dialogue; only the prompt when even one shot
     *     does not fit
     */
    public String source(String dialogue) {
        String question = prompt.format(dialogue);
        EncodeOptions untruncated = EncodeOptions.DEFAULT;
        for (int first = 0; first < shots.size(); first++) {
            String candidate = String.join("", shots.subList(first, shots.size())) + question;
            if (tokenizer.encode(candidate, untruncated).length <= maxSourceLength) {
                return candidate;
            }
        }
        return question;
    }

    /**
     * The full source texts for several dialogues, as {@link #source(String)} builds each.
     *
     * @param dialogues the dialogues to summarize
     * @return the source texts, one per dialogue in order
     */
    public List<String> sources(List<String> dialogues) {
        List<String> out = new ArrayList<>(dialogues.size());
        for (String d : dialogues) {
            out.add(source(d));
        }
        return out;
    }
}
