package dev.lora4j.eval;

import dev.lora4j.Lora4jException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ROUGE over a corpus: every example's scores and, per type, their arithmetic means. The means sum
 * the examples in order, left to right, so they are reproducible bit for bit (Python's built-in
 * {@code sum(values) / len(values)} gives the same doubles; numpy's pairwise {@code mean} may differ in
 * the last bits).
 */
public record CorpusRouge(List<RougeScores> perExample, Map<RougeType, AggregateScore> means) {

    public CorpusRouge {
        perExample = List.copyOf(perExample);
        means = Collections.unmodifiableMap(new LinkedHashMap<>(means));
    }

    /** Averages the given per-example scores over {@code types}; the list must not be empty. */
    static CorpusRouge average(List<RougeType> types, List<RougeScores> perExample) {
        if (perExample.isEmpty()) {
            throw new Lora4jException("rouge", "cannot average ROUGE over an empty corpus");
        }
        Map<RougeType, AggregateScore> means = new LinkedHashMap<>();
        for (RougeType type : types) {
            double precisionSum = 0;
            double recallSum = 0;
            double fmeasureSum = 0;
            for (RougeScores scores : perExample) {
                Score score = scores.get(type);
                precisionSum += score.precision();
                recallSum += score.recall();
                fmeasureSum += score.fmeasure();
            }
            int count = perExample.size();
            means.put(type, new AggregateScore(precisionSum / count, recallSum / count, fmeasureSum / count));
        }
        return new CorpusRouge(perExample, means);
    }

    public int size() {
        return perExample.size();
    }

    /** The aggregate of {@code type}; it must be one of the scorer's types. */
    public AggregateScore mean(RougeType type) {
        AggregateScore aggregate = means.get(type);
        if (aggregate == null) {
            throw new Lora4jException("rouge", type + " was not computed (types: " + means.keySet() + ")");
        }
        return aggregate;
    }

    /** Mean F1 × 100 of {@code type}: the usual headline number. */
    public double fmeasurePercent(RougeType type) {
        return mean(type).fmeasurePercent();
    }
}
