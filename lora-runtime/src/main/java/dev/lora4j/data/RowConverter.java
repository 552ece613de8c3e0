package dev.lora4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one parsed row (a JSON object; CSV rows are converted to one) into a {@link DialogueExample}
 * according to a {@link FieldMapping}, checking that every mapped field is there and has the right kind
 * of value. Extra fields are ignored.
 */
final class RowConverter {
    private final FieldMapping mapping;
    private final boolean normalizeLineEndings;

    RowConverter(FieldMapping mapping, ReadOptions options) {
        this.mapping = mapping;
        this.normalizeLineEndings = options.normalizeLineEndings();
    }

    DialogueExample convert(JsonNode row, long line) throws InvalidRowException {
        if (!row.isObject()) {
            throw new InvalidRowException("expected a JSON object, got " + describeKind(row));
        }
        String id = mapping.idField() == null ? Long.toString(line) : requiredId(row, mapping.idField());
        String dialogue = requiredText(row, mapping.dialogueField());
        List<String> summaries = new ArrayList<>(mapping.summaryFields().size());
        for (String summaryField : mapping.summaryFields()) {
            summaries.add(requiredText(row, summaryField));
        }
        String topic = mapping.topicField() == null ? null : requiredString(row, mapping.topicField());
        return new DialogueExample(id, dialogue, summaries, topic);
    }

    /** A string or integer identifier; integers keep their decimal spelling. */
    private static String requiredId(JsonNode row, String field) throws InvalidRowException {
        JsonNode value = present(row, field);
        String id;
        if (value.isTextual()) {
            id = value.textValue();
        } else if (value.isIntegralNumber()) {
            id = value.asText();
        } else {
            throw new InvalidRowException("field '" + field + "' must be a string or an integer, got " + describeKind(value));
        }
        if (id.isBlank()) {
            throw new InvalidRowException("empty " + field);
        }
        return id;
    }

    /** A string that must contain something besides whitespace (dialogues and summaries). */
    private String requiredText(JsonNode row, String field) throws InvalidRowException {
        String text = requiredString(row, field);
        if (text.isBlank()) {
            throw new InvalidRowException("empty " + field);
        }
        return text;
    }

    /** A string, possibly empty, with line endings normalized if so configured. */
    private String requiredString(JsonNode row, String field) throws InvalidRowException {
        JsonNode value = present(row, field);
        if (!value.isTextual()) {
            throw new InvalidRowException("field '" + field + "' must be a string, got " + describeKind(value));
        }
        String text = value.textValue();
        return normalizeLineEndings ? LineEndings.normalize(text) : text;
    }

    private static JsonNode present(JsonNode row, String field) throws InvalidRowException {
        JsonNode value = row.get(field);
        if (value == null) {
            throw new InvalidRowException("missing field '" + field + "'");
        }
        if (value.isNull()) {
            throw new InvalidRowException("field '" + field + "' is null");
        }
        return value;
    }

    private static String describeKind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
