package dev.lora4j.peft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;

/**
 * AdapterHub's adapter_config.json, for the methods whose reference is its {@code adapters} library
 * (bottleneck adapters, paper-mode prefix tuning, AdaMix's export): the method's config object under
 * "config", and the model's facts beside it, as {@code build_full_config} writes them.
 */
public final class AdapterHubFiles {
    /** The version written, the one the parity tests run. */
    public static final String VERSION = "adapters.1.3.0";

    private AdapterHubFiles() {}

    /**
     * AdapterHub's adapter_config.json around a method's config object.
     *
     * @param config    the method's config object (AdapterHub's field names); set into the result, not copied
     * @param dModel    the model's hidden size
     * @param baseModel the base model's name or path, or null
     * @param name      the adapter's name (part of its tensor keys)
     * @return a new JSON object with "config", the model's facts, "name" and "version"
     */
    public static ObjectNode configJson(ObjectNode config, long dModel, String baseModel, String name) {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.set("config", config);
        o.put("hidden_size", dModel);
        o.put("model_class", "T5ForConditionalGeneration");
        o.put("model_name", baseModel == null ? "" : baseModel);
        o.put("model_type", "t5");
        o.put("name", name);
        o.put("version", VERSION);
        return o;
    }
}
