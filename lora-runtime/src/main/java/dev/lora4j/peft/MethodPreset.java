package dev.lora4j.peft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A named setting of some of a method's fields, offered as a method name of its own: {@code --method
 * adapter-houlsby} is the bottleneck method with Houlsby's fields. The preset's fields replace the
 * method's defaults; options given on the command line still win over both. A preset is only a way to
 * start an adapter: the adapter's files hold the full config and name the method, never the preset.
 *
 * @param name        the name --method accepts, lower case with dashes, unique across the registry
 * @param description one line for help texts
 * @param fields      the fields set, under the method's JSON names
 */
public record MethodPreset(String name, String description, ObjectNode fields) {
    /**
     * Checks name and description and copies fields.
     *
     * @throws NullPointerException if name, description or fields is null
     */
    public MethodPreset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        fields = fields.deepCopy();
    }

    /**
     * The fields set, under the method's JSON names.
     *
     * @return a deep copy, which the caller may modify
     */
    @Override
    public ObjectNode fields() {
        return fields.deepCopy();
    }
}
