package dev.lora4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, strict reads of an adapter_config.json object: a field of the wrong JSON type is an error
 * naming the field and the source, never coerced (Jackson's asInt would read 4.5 as 4 and "x" as 0).
 * A missing or null field takes the method's default, as PEFT's dataclass defaults do.
 */
public final class ConfigFields {
    private final ObjectNode json;
    private final String source;

    /**
     * Reads fields of one JSON object.
     *
     * @param json the adapter_config.json object (or command-line options gathered into one)
     * @param source where json came from, for error messages (a file path, or "the command line")
     */
    public ConfigFields(ObjectNode json, String source) {
        this.json = json;
        this.source = source;
    }

    /**
     * Where the JSON came from.
     *
     * @return the source named in error messages
     */
    public String source() {
        return source;
    }

    /**
     * Whether the field is present and not null.
     *
     * @param field the JSON field name
     * @return true if the field holds a non-null value
     */
    public boolean has(String field) {
        JsonNode n = json.get(field);
        return n != null && !n.isNull();
    }

    /**
     * The field's JSON node, unchecked.
     *
     * @param field the JSON field name
     * @return the node, a JSON null node, or null when the field is missing
     */
    public JsonNode raw(String field) {
        return json.get(field);
    }

    /**
     * The field as an integer; a value of any other JSON type is an error.
     *
     * @param field the JSON field name
     * @param defaultValue the value when the field is missing or null
     * @return the field's value, or defaultValue
     * @throws Lora4jException naming the field if it is not an integer that fits an {@code int}
     */
    public int integer(String field, int defaultValue) {
        if (!has(field)) {
            return defaultValue;
        }
        JsonNode n = json.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(field, "must be an integer, got " + shown(n));
        }
        return n.intValue();
    }

    /**
     * The field as a number; a value of any other JSON type is an error.
     *
     * @param field the JSON field name
     * @param defaultValue the value when the field is missing or null
     * @return the field's value, or defaultValue
     * @throws Lora4jException naming the field if it is not a JSON number
     */
    public double number(String field, double defaultValue) {
        if (!has(field)) {
            return defaultValue;
        }
        JsonNode n = json.get(field);
        if (!n.isNumber()) {
            throw error(field, "must be a number, got " + shown(n));
        }
        return n.doubleValue();
    }

    /**
     * The field as a boolean; a value of any other JSON type is an error.
     *
     * @param field the JSON field name
     * @param defaultValue the value when the field is missing or null
     * @return the field's value, or defaultValue
     * @throws Lora4jException naming the field if it is not true or false
     */
    public boolean bool(String field, boolean defaultValue) {
        if (!has(field)) {
            return defaultValue;
        }
        JsonNode n = json.get(field);
        if (!n.isBoolean()) {
            throw error(field, "must be true or false, got " + shown(n));
        }
        return n.booleanValue();
    }

    /**
     * The field as a string; a value of any other JSON type is an error.
     *
     * @param field the JSON field name
     * @param defaultValue the value when the field is missing or null
     * @return the field's value, or defaultValue
     * @throws Lora4jException naming the field if it is not a JSON string
     */
    public String text(String field, String defaultValue) {
        if (!has(field)) {
            return defaultValue;
        }
        JsonNode n = json.get(field);
        if (!n.isTextual()) {
            throw error(field, "must be a string, got " + shown(n));
        }
        return n.textValue();
    }

    /**
     * The field as a list of strings.
     *
     * @param field the JSON field name
     * @return a new mutable list, or null when the field is missing or null
     * @throws Lora4jException naming the field if it is not a list of strings
     */
    public List<String> strings(String field) {
        if (!has(field)) {
            return null;
        }
        JsonNode n = json.get(field);
        if (!n.isArray()) {
            throw error(field, "must be a list of strings, got " + shown(n));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                throw error(field, "must be a list of strings, got an element " + shown(item));
            }
            out.add(item.textValue());
        }
        return out;
    }

    /**
     * Refuses a feature lora4j does not implement when the field says it is used.
     *
     * @param field the JSON field name
     * @param used tells from the field's (non-null) value whether the feature is in use
     * @param what the feature's name in the error message
     * @throws Lora4jException naming the field if it is present, not null, and used
     */
    public void unsupported(String field, java.util.function.Predicate<JsonNode> used, String what) {
        JsonNode n = json.get(field);
        if (n != null && !n.isNull() && used.test(n)) {
            throw error(field, what + " is not supported by lora4j");
        }
    }

    /**
     * An error about one field, naming it and the source.
     *
     * @param field the JSON field name
     * @param problem what is wrong, continuing the sentence {@code field "x" ...}
     * @return the exception, for the caller to throw
     */
    public Lora4jException error(String field, String problem) {
        return new Lora4jException("adapter config", source + ": field \"" + field + "\" " + problem);
    }

    /**
     * The value as written, with its JSON type, e.g. {@code "x" (a string)}.
     *
     * @param n the JSON value; not null
     * @return the value's text, cut to 40 characters, followed by its type in parentheses
     */
    public static String shown(JsonNode n) {
        String text = n.toString();
        if (text.length() > 40) {
            text = text.substring(0, 40) + "...";
        }
        String type = switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> n.isIntegralNumber() ? "an integer" : "a decimal number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        return text + " (" + type + ")";
    }
}
