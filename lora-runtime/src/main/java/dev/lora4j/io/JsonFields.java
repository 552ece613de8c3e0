package dev.lora4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.tensor.Lora4jException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a JSON object's fields that refuse a value of the wrong type instead of converting it:
 * Jackson's lenient {@code asDouble}/{@code asInt} turn {@code "x"} into the default and {@code 4.5} into
 * 4, so a mistyped config would silently train or load something else. A missing or null field takes the
 * default; anything else must have the right type. Errors name the file and the field.
 */
public final class JsonFields {
    private JsonFields() {}

    /** An integer field (no fraction, within int range) that must be present. */
    public static int requiredInt(JsonNode object, String field, Path file) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            throw error(file, field, "is missing; it must be an integer");
        }
        return integer(n, field, file);
    }

    public static int optionalInt(JsonNode object, String field, int fallback, Path file) {
        JsonNode n = object.get(field);
        return n == null || n.isNull() ? fallback : integer(n, field, file);
    }

    /** A number (integer or decimal); NaN and infinities cannot be written in JSON. */
    public static double optionalNumber(JsonNode object, String field, double fallback, Path file) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw error(file, field, "must be a number, got " + shown(n));
        }
        return n.doubleValue();
    }

    public static boolean optionalBoolean(JsonNode object, String field, boolean fallback, Path file) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw error(file, field, "must be true or false, got " + shown(n));
        }
        return n.booleanValue();
    }

    public static String optionalString(JsonNode object, String field, String fallback, Path file) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw error(file, field, "must be a string, got " + shown(n));
        }
        return n.textValue();
    }

    /** A list of strings; missing or null gives an empty list. */
    public static List<String> optionalStringList(JsonNode object, String field, Path file) {
        JsonNode n = object.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw error(file, field, "must be a list of strings, got " + shown(n));
        }
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                throw error(file, field, "must be a list of strings, but holds " + shown(item));
            }
            out.add(item.textValue());
        }
        return out;
    }

    private static int integer(JsonNode n, String field, Path file) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(file, field, "must be an integer, got " + shown(n));
        }
        return n.intValue();
    }

    /** The value as written, with its JSON type, e.g. {@code "x" (a string)}. */
    static String shown(JsonNode n) {
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

    private static Lora4jException error(Path file, String field, String problem) {
        return new Lora4jException("json", file + ": field \"" + field + "\" " + problem);
    }
}
