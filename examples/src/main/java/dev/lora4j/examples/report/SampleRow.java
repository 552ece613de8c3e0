package dev.lora4j.examples.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One example shown side by side in a report: the dialogue, the human summary, and each method's summary.
 *
 * @param predictionByMethod method name to generated summary; its iteration order is kept (a copy is stored)
 */
public record SampleRow(String id, String dialogue, String reference, Map<String, String> predictionByMethod) {
    public SampleRow {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(dialogue, "dialogue");
        Objects.requireNonNull(reference, "reference");
        Map<String, String> copy = new LinkedHashMap<>();
        predictionByMethod.forEach((method, prediction) -> copy.put(Objects.requireNonNull(method, "method name"),
                Objects.requireNonNull(prediction, () -> "prediction of " + method + " for " + id)));
        predictionByMethod = Collections.unmodifiableMap(copy);
    }
}
