package dev.lora4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One of PEFT's module-name fields (target_modules, exclude_modules, IA3's feedforward_modules): a list of
 * names, where a module matches when its path equals a name or ends with "." + name, or a single string,
 * a regex the whole path must match (re.fullmatch). Exactly one of names and regex is set.
 *
 * @param names the module names, or null when the field is a regex
 * @param regex the pattern the whole module path must match, or null when the field is a list
 */
public record ModuleNames(List<String> names, Pattern regex) {
    /**
     * Copies names and checks that exactly one of names and regex is set.
     *
     * @throws IllegalArgumentException if both or neither are null
     */
    public ModuleNames {
        names = names == null ? null : List.copyOf(names);
        if ((names == null) == (regex == null)) {
            throw new IllegalArgumentException("module names are a list or a regex");
        }
    }

    /**
     * A list of module names.
     *
     * @param names the names, matched as path suffixes after a dot
     * @return the field
     */
    public static ModuleNames of(String... names) {
        return new ModuleNames(List.of(names), null);
    }

    /**
     * The field as a list or a regex string, or null when it is missing or null.
     *
     * @param f the config being read
     * @param field the JSON field name, e.g. target_modules
     * @return the field's value, or null
     * @throws dev.lora4j.Lora4jException naming the field when it is neither, is an empty list or not a valid regex
     */
    public static ModuleNames read(ConfigFields f, String field) {
        return read(f, field, false);
    }

    /**
     * As {@link #read(ConfigFields, String)}; with allowEmpty an empty list is kept (IA3's feedforward_modules []).
     *
     * @param f the config being read
     * @param field the JSON field name
     * @param allowEmpty whether an empty list is accepted rather than an error
     * @return the field's value, or null when it is missing or null
     * @throws dev.lora4j.Lora4jException naming the field when it is neither a list nor a string, is
     *         "all-linear", an empty list (unless allowed) or not a valid regex
     */
    public static ModuleNames read(ConfigFields f, String field, boolean allowEmpty) {
        JsonNode n = f.raw(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            if (n.textValue().equals("all-linear")) {
                throw f.error(field, "\"all-linear\" is supported by lora4j for LoRA only; name the layers");
            }
            try {
                return new ModuleNames(null, Pattern.compile(n.textValue()));
            } catch (PatternSyntaxException e) {
                throw f.error(field, "is not a valid regex: " + e.getDescription());
            }
        }
        List<String> list = f.strings(field);
        if (list.isEmpty() && !allowEmpty) {
            throw f.error(field, "must name at least one module (a list of names or a regex string)");
        }
        return new ModuleNames(list, null);
    }

    /**
     * PEFT's match of a module path against this field.
     *
     * @param path the module's dotted path in the model
     * @return true if the path equals a name or ends with "." + name, or the regex matches it whole
     */
    public boolean matches(String path) {
        if (regex != null) {
            return regex.matcher(path).matches();
        }
        for (String n : names) {
            if (path.equals(n) || path.endsWith("." + n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * IA3's feedforward test: a name matches as a plain suffix of the path (PEFT's key.endswith(name)).
     *
     * @param path the module's dotted path in the model
     * @return true if the path ends with a name, or the regex matches it whole
     */
    public boolean matchesSuffix(String path) {
        if (regex != null) {
            return regex.matcher(path).matches();
        }
        return names.stream().anyMatch(path::endsWith);
    }

    /**
     * As adapter_config.json writes it: the names sorted, or the regex string.
     *
     * @return a new JSON array or text node
     */
    public JsonNode toJson() {
        if (regex != null) {
            return JsonNodeFactory.instance.textNode(regex.pattern());
        }
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        new TreeSet<>(names).forEach(a::add);
        return a;
    }

    @Override
    public String toString() {
        return regex != null ? "regex " + regex.pattern() : String.join(",", names);
    }
}
