package dev.lora4j.data;

import dev.lora4j.Lora4jException;
import java.util.List;

/**
 * One dialogue and its reference summaries.
 *
 * @param id        the row's identifier in its source file (DialogSum {@code fname}, SAMSum {@code id})
 * @param dialogue  the dialogue text, turns separated by newlines
 * @param summaries the reference summaries: one for training data, three for the DialogSum test set, none
 *                  for unlabeled inputs (such as the DialogSum hidden test)
 * @param topic     the topic label, or null where the source has none (SAMSum). For the DialogSum test set,
 *                  whose three annotators each gave a topic, this is the first annotator's ({@code topic1}).
 */
public record DialogueExample(String id, String dialogue, List<String> summaries, String topic) {

    /**
     * Validates the example and copies the summaries.
     *
     * @throws dev.lora4j.Lora4jException when the id, the dialogue or the summary list is null
     */
    public DialogueExample {
        if (id == null || dialogue == null || summaries == null) {
            throw new Lora4jException("data", "DialogueExample needs an id, a dialogue and a summary list");
        }
        summaries = List.copyOf(summaries);
    }

    /**
     * The first reference summary (the only one for training data).
     *
     * @return the first summary
     * @throws dev.lora4j.Lora4jException when the example has no summary
     */
    public String summary() {
        if (summaries.isEmpty()) {
            throw new Lora4jException("data", "example " + id + " has no reference summary");
        }
        return summaries.getFirst();
    }

    /**
     * Whether the example has a topic label.
     *
     * @return true when {@link #topic()} is not null
     */
    public boolean hasTopic() {
        return topic != null;
    }
}
