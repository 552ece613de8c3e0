package dev.lora4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lora4j.Lora4jException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One configuration field of a method as a command-line option: the CLI adds one option per field and
 * gathers the values given into a JSON object by {@link #field()}, which {@link PeftMethod#readConfig}
 * then reads exactly as it reads adapter_config.json, so both paths share one validation.
 *
 * @param names        the option's names ({@code --lora-alpha}, {@code --alpha}); the first is the main one
 * @param field        the JSON field (PEFT's name) the value goes to
 * @param type         how the text becomes JSON
 * @param paramLabel   the value's placeholder in help ({@code ALPHA}); ignored for flags
 * @param defaultValue the default as option text, or null (then the method's own default applies)
 * @param description  one line for help
 * @param aliases      option words replaced before conversion ({@code default} → {@code true}), may be empty
 */
public record ConfigOption(List<String> names, String field, Type type, String paramLabel, String defaultValue,
                           String description, Map<String, String> aliases) {
    /** How an option's text becomes a JSON value. */
    public enum Type {
        /** A JSON integer. */
        INT,
        /** A JSON number. */
        NUMBER,
        /** A JSON string, as given. */
        STRING,
        /** Comma-separated (or repeated): a JSON array of strings. */
        LIST,
        /** A flag without a value: true when given. */
        FLAG,
        /** true or false become booleans, anything else stays a string (PEFT's init fields take both). */
        STRING_OR_BOOLEAN,
        /**
         * PEFT's target_modules: comma-separated names → a list, {@code all-linear} → that string,
         * {@code regex:PATTERN} → the pattern as a string (PEFT's full-match regex).
         */
        MODULES
    }

    /**
     * Copies names and aliases.
     *
     * @throws IllegalArgumentException if names is empty
     */
    public ConfigOption {
        names = List.copyOf(names);
        aliases = Map.copyOf(aliases);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("an option needs a name");
        }
    }

    /**
     * An option without aliases.
     *
     * @param names        the option's names; the first is the main one
     * @param field        the JSON field (PEFT's name) the value goes to
     * @param type         how the text becomes JSON
     * @param paramLabel   the value's placeholder in help; ignored for flags
     * @param defaultValue the default as option text, or null (then the method's own default applies)
     * @param description  one line for help
     */
    public ConfigOption(List<String> names, String field, Type type, String paramLabel, String defaultValue,
                        String description) {
        this(names, field, type, paramLabel, defaultValue, description, Map.of());
    }

    /**
     * The option's main name, for messages.
     *
     * @return the first of {@link #names()}
     */
    public String name() {
        return names.get(0);
    }

    /**
     * The JSON value of the option's text; an error naming the option when it does not parse.
     *
     * @param text the value given on the command line (empty for a flag given without one)
     * @return a new JSON node of the option's {@link #type()}
     * @throws Lora4jException if a number does not parse or a module list names no modules
     */
    public JsonNode toJson(String text) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String t = aliases.getOrDefault(text.strip().toLowerCase(Locale.ROOT), text.strip());
        try {
            return switch (type) {
                case INT -> f.numberNode(Integer.parseInt(t));
                case NUMBER -> f.numberNode(Double.parseDouble(t));
                case STRING -> f.textNode(t);
                case FLAG -> f.booleanNode(t.isEmpty() || Boolean.parseBoolean(t));
                case STRING_OR_BOOLEAN -> t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")
                        ? f.booleanNode(Boolean.parseBoolean(t)) : f.textNode(t);
                case LIST -> list(t);
                case MODULES -> t.equalsIgnoreCase("all-linear") ? f.textNode("all-linear")
                        : t.startsWith("regex:") ? f.textNode(t.substring("regex:".length())) : list(t);
            };
        } catch (NumberFormatException e) {
            throw new Lora4jException("cli", name() + " must be " + (type == Type.INT ? "an integer" : "a number")
                    + ", got \"" + text + "\"");
        }
    }

    private ArrayNode list(String text) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                a.add(item.strip());
            }
        }
        if (a.isEmpty() && type == Type.MODULES) {
            throw new Lora4jException("cli", name() + " names no modules");
        }
        return a;
    }
}
