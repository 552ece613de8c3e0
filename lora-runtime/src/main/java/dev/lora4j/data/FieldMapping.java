package dev.lora4j.data;

import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which fields (JSON keys or CSV header names) of a row hold the parts of a {@link DialogueExample}.
 *
 * @param idField        the identifier field, or null to use the row's 1-based line number as its id
 * @param dialogueField  the dialogue field (required in every row, non-blank)
 * @param summaryFields  the reference summary fields, in order (each required, non-blank); empty for
 *                       unlabeled data
 * @param topicField     the topic field (required in every row, may be empty), or null when there is none
 */
public record FieldMapping(String idField, String dialogueField, List<String> summaryFields, String topicField) {

    /** DialogSum train and dev JSONL: {@code fname, dialogue, summary, topic}. */
    public static final FieldMapping DIALOGSUM = new FieldMapping("fname", "dialogue", List.of("summary"), "topic");

    /** DialogSum test JSONL: three references {@code summary1..3}; the topic kept is {@code topic1}. */
    public static final FieldMapping DIALOGSUM_TEST =
            new FieldMapping("fname", "dialogue", List.of("summary1", "summary2", "summary3"), "topic1");

    /** DialogSum hidden test JSONL: {@code fname, dialogue} only. */
    public static final FieldMapping DIALOGSUM_DIALOGUE_ONLY = new FieldMapping("fname", "dialogue", List.of(), null);

    /** The Hugging Face CSV layout ({@code knkarthick/dialogsum}): header {@code id,dialogue,summary,topic}. */
    public static final FieldMapping HUGGING_FACE_CSV = new FieldMapping("id", "dialogue", List.of("summary"), "topic");

    /** SAMSum JSON: an array of {@code {id, summary, dialogue}}, no topic. */
    public static final FieldMapping SAMSUM = new FieldMapping("id", "dialogue", List.of("summary"), null);

    /**
     * Validates the mapping and copies the summary fields.
     *
     * @throws dev.lora4j.Lora4jException when the dialogue field is null or empty, or the summary fields are
     *     null
     */
    public FieldMapping {
        if (dialogueField == null || dialogueField.isEmpty()) {
            throw new Lora4jException("data", "a field mapping needs a dialogue field");
        }
        if (summaryFields == null) {
            throw new Lora4jException("data", "summary fields must not be null (use an empty list for unlabeled data)");
        }
        summaryFields = List.copyOf(summaryFields);
    }

    /**
     * A mapping with one summary field and no topic, for generic files.
     *
     * @param idField       the identifier field, or null to use line numbers
     * @param dialogueField the dialogue field
     * @param summaryField  the one reference summary field
     * @return the mapping
     */
    public static FieldMapping of(String idField, String dialogueField, String summaryField) {
        return new FieldMapping(idField, dialogueField, List.of(summaryField), null);
    }

    /** Every field a row must have, in the order they are checked. */
    List<String> requiredFields() {
        List<String> fields = new ArrayList<>();
        if (idField != null) {
            fields.add(idField);
        }
        fields.add(dialogueField);
        fields.addAll(summaryFields);
        if (topicField != null) {
            fields.add(topicField);
        }
        return fields;
    }
}
