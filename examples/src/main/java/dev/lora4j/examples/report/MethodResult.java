package dev.lora4j.examples.report;

import java.util.Objects;

/**
 * One row of a report's methods table: how a fine-tuning method (or the untuned baseline) scored.
 *
 * @param rouge1              ROUGE-1 F-measure in percent; NaN when not measured (shown as "-")
 * @param trainableParameters free text such as "0.69 M (0.9%)", or "-"
 * @param trainingTime        free text such as "12 min 30 s", or "-"
 * @param evaluated           how many test examples the scores average over
 */
public record MethodResult(String name, String description, double rouge1, double rouge2, double rougeL,
                           double rougeLsum, String trainableParameters, String trainingTime, int evaluated) {
    public MethodResult {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        trainableParameters = trainableParameters == null ? "-" : trainableParameters;
        trainingTime = trainingTime == null ? "-" : trainingTime;
        if (evaluated < 0) {
            throw new IllegalArgumentException("evaluated must be >= 0, got " + evaluated + " for " + name);
        }
    }
}
