package dev.lora4j.data;

import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.EncodeOptions;
import dev.lora4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns dialogue/summary pairs into model inputs: the dialogue inside the prompt, truncated to
 * maxSourceLength tokens and the summary to maxTargetLength, each keeping its final {@code </s>} (as
 * transformers' tokenizers truncate). Examples with several references train on the first.
 */
public final class SummarizationEncoder {
    private final Tokenizer tokenizer;
    private final SummarizationPrompt prompt;
    private final EncodeOptions sourceOptions;
    private final EncodeOptions targetOptions;

    /**
     * Creates an encoder.
     *
     * @param tokenizer       the model's tokenizer
     * @param prompt          how each dialogue is put into the source text
     * @param maxSourceLength the token limit of a source, {@code </s>} included; at least 2
     * @param maxTargetLength the token limit of a target, {@code </s>} included; at least 2
     * @throws dev.lora4j.Lora4jException when a limit is below 2
     */
    public SummarizationEncoder(Tokenizer tokenizer, SummarizationPrompt prompt, int maxSourceLength, int maxTargetLength) {
        if (maxSourceLength < 2 || maxTargetLength < 2) {
            throw new Lora4jException("data", "maximum lengths must be at least 2 tokens (room for </s>)");
        }
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.sourceOptions = EncodeOptions.builder().truncateTo(maxSourceLength).build();
        this.targetOptions = EncodeOptions.builder().truncateTo(maxTargetLength).build();
    }

    /**
     * The tokenizer inputs and targets are encoded with.
     *
     * @return the tokenizer
     */
    public Tokenizer tokenizer() {
        return tokenizer;
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
     * Encodes one dialogue as a model input: formatted with the prompt, then truncated.
     *
     * @param dialogue the dialogue text
     * @return the source token ids, ending with {@code </s>}
     */
    public int[] encodeSource(String dialogue) {
        return tokenizer.encode(prompt.format(dialogue), sourceOptions);
    }

    /**
     * Encodes one example: its dialogue as the source, its first summary as the target.
     *
     * @param example the example; must have at least one summary
     * @return the example's id with its source and target ids
     */
    public TokenizedExample encode(DialogueExample example) {
        return new TokenizedExample(example.id(), encodeSource(example.dialogue()),
                tokenizer.encode(example.summary(), targetOptions));
    }

    /**
     * Encodes every example, as {@link #encode(DialogueExample)} does.
     *
     * @param examples the examples, each with at least one summary
     * @return a new list of encoded examples, in order
     */
    public List<TokenizedExample> encodeAll(List<DialogueExample> examples) {
        List<TokenizedExample> out = new ArrayList<>(examples.size());
        for (DialogueExample e : examples) {
            out.add(encode(e));
        }
        return out;
    }
}
