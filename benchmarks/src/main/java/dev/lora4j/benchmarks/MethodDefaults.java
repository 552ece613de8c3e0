package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.peft.PeftMethods;

/**
 * A method's config as {@code lora4j train --method NAME} builds it when no method option is given: the
 * method's option defaults ({@link PeftMethod#options()}), replaced by the preset's fields where the name
 * is a preset (dora, adapter-houlsby, ...), read by the method as it reads adapter_config.json. The
 * benchmark must measure what a user gets by default, so it derives the config the same way instead of
 * spelling out fields that could drift from the CLI's.
 */
final class MethodDefaults {
    private MethodDefaults() {}

    /** The JSON the CLI would hand to {@link PeftMethod#readConfig} for --method name and no other option. */
    static ObjectNode json(String name) {
        PeftMethod method = PeftMethods.forName(name);
        ObjectNode preset = PeftMethods.preset(name).map(p -> p.fields()).orElse(JsonNodeFactory.instance.objectNode());
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("peft_type", method.peftType());
        for (ConfigOption option : method.options()) {
            if (preset.has(option.field())) {
                json.set(option.field(), preset.get(option.field()));
            } else if (option.defaultValue() != null) {
                json.set(option.field(), option.toJson(option.defaultValue()));
            }
        }
        return json;
    }

    static MethodConfig config(String name) {
        return PeftMethods.forName(name).readConfig(json(name), "benchmark");
    }
}
