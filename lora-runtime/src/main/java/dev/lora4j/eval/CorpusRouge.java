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
 *
 * @param perExample the scores of each example, in corpus order
 * @param means      the mean scores per type, in the scorer's type order
 */
public record CorpusRouge(List<RougeScores> perExample, Map<RougeType, AggregateScore> means) {

    /** Copies both collections into unmodifiable ones. */
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

    /**
     * The number of examples scored.
     *
     * @return the corpus size
     */
    public int size() {
        return perExample.size();
    }

    /**
     * The aggregate of {@code type}; it must be one of the scorer's types.
     *
     * @param type the ROUGE type
     * @return the means of precision, recall and F1 for that type
     * @throws dev.lora4j.Lora4jException when the type was not computed
     */
    public AggregateScore mean(RougeType type) {
        AggregateScore aggregate = means.get(type);
        if (aggregate == null) {
            throw new Lora4jException("rouge", type + " was not computed (types: " + means.keySet() + ")");
        }
        return aggregate;
    }

    /**
     * Mean F1 × 100 of {@code type}: the usual headline number.
     *
     * @param type the ROUGE type
     * @return the mean F1 in [0, 100]
     * @throws dev.lora4j.Lora4jException when the type was not computed
     */
    public double fmeasurePercent(RougeType type) {
        return mean(type).fmeasurePercent();
    }
}
