package dev.lora4j.data;

import dev.lora4j.Lora4jException;

/**
 * The instruction a dialogue is wrapped in before it reaches the model. The default is the one the
 * FLAN-T5 dialogue-summarization recipes use; {@code {dialogue}} marks where the dialogue goes.
 *
 * @param template the prompt text, with {@code {dialogue}} exactly once where the dialogue goes
 */
public record SummarizationPrompt(String template) {
    /**
     * The FLAN-T5 recipes' instruction: "Summarize the following conversation." then the dialogue and
     * "Summary: ".
     */
    public static final String DEFAULT_TEMPLATE = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: ";
    /** The prompt with {@link #DEFAULT_TEMPLATE}. */
    public static final SummarizationPrompt DEFAULT = new SummarizationPrompt(DEFAULT_TEMPLATE);
    private static final String SLOT = "{dialogue}";

    /**
     * Validates the template.
     *
     * @throws dev.lora4j.Lora4jException when the template does not contain {@code {dialogue}} exactly once
     */
    public SummarizationPrompt {
        int first = template.indexOf(SLOT);
        if (first < 0 || template.indexOf(SLOT, first + 1) >= 0) {
            throw new Lora4jException("prompt", "the template must contain {dialogue} exactly once: \"" + template + "\"");
        }
    }

    /**
     * Puts a dialogue into the template.
     *
     * @param dialogue the dialogue text, inserted as is
     * @return the template with {@code {dialogue}} replaced by the dialogue
     */
    public String format(String dialogue) {
        return template.replace(SLOT, dialogue);
    }
}
