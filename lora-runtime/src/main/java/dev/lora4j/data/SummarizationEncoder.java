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

    public SummarizationEncoder(Tokenizer tokenizer, SummarizationPrompt prompt, int maxSourceLength, int maxTargetLength) {
        if (maxSourceLength < 2 || maxTargetLength < 2) {
            throw new Lora4jException("data", "maximum lengths must be at least 2 tokens (room for </s>)");
        }
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.sourceOptions = EncodeOptions.builder().truncateTo(maxSourceLength).build();
        this.targetOptions = EncodeOptions.builder().truncateTo(maxTargetLength).build();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public SummarizationPrompt prompt() {
        return prompt;
    }

    public int[] encodeSource(String dialogue) {
        return tokenizer.encode(prompt.format(dialogue), sourceOptions);
    }

    public TokenizedExample encode(DialogueExample example) {
        return new TokenizedExample(example.id(), encodeSource(example.dialogue()),
                tokenizer.encode(example.summary(), targetOptions));
    }

    public List<TokenizedExample> encodeAll(List<DialogueExample> examples) {
        List<TokenizedExample> out = new ArrayList<>(examples.size());
        for (DialogueExample e : examples) {
            out.add(encode(e));
        }
        return out;
    }
}
