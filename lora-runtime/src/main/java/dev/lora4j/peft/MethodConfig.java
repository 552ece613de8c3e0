package dev.lora4j.peft;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A method's settings, as the reference library's config class holds them (LoraConfig's fields for
 * LoRA). Immutable.
 */
public interface MethodConfig {
    /**
     * The method these settings are for.
     *
     * @return the method that reads, attaches and names these settings
     */
    PeftMethod method();

    /**
     * The settings as adapter_config.json writes them (PEFT's field names), without base-model fields.
     *
     * @return a new JSON object
     */
    ObjectNode toJson();

    /**
     * The config to attach with when the adapter's tensors come from its file: a method whose file holds a
     * reparametrization's output (prefix tuning with prefix_projection) attaches that output as a plain
     * table, as PEFT does in inference mode. Most methods return themselves.
     *
     * @return the config to attach for loading saved tensors
     */
    default MethodConfig forSavedTensors() {
        return this;
    }
}
