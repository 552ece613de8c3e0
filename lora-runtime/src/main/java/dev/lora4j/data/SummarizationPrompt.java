package dev.lora4j.data;

import dev.lora4j.Lora4jException;

/**
 * The instruction a dialogue is wrapped in before it reaches the model. The default is the one the
 * FLAN-T5 dialogue-summarization recipes use; {@code {dialogue}} marks where the dialogue goes.
 */
public record SummarizationPrompt(String template) {
    public static final String DEFAULT_TEMPLATE = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: ";
    public static final SummarizationPrompt DEFAULT = new SummarizationPrompt(DEFAULT_TEMPLATE);
    private static final String SLOT = "{dialogue}";

    public SummarizationPrompt {
        int first = template.indexOf(SLOT);
        if (first < 0 || template.indexOf(SLOT, first + 1) >= 0) {
            throw new Lora4jException("prompt", "the template must contain {dialogue} exactly once: \"" + template + "\"");
        }
    }

    public String format(String dialogue) {
        return template.replace(SLOT, dialogue);
    }
}
