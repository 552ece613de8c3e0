package dev.lora4j.eval;

/**
 * Corpus-level ROUGE for one type: the arithmetic means, over examples, of the per-example precision,
 * recall and F1 (fractions in [0, 1]). The mean F1 is not recomputed from the mean precision and recall:
 * it is the average of per-example F1 values, which is the number papers on DialogSum and SAMSum report.
 *
 * @param meanPrecision the mean of the per-example precisions, in [0, 1]
 * @param meanRecall    the mean of the per-example recalls, in [0, 1]
 * @param meanFmeasure  the mean of the per-example F1 values, in [0, 1]
 */
public record AggregateScore(double meanPrecision, double meanRecall, double meanFmeasure) {

    /**
     * The mean F1 on the 0-100 scale used in papers and leaderboards.
     *
     * @return the mean F1 times 100, in [0, 100]
     */
    public double fmeasurePercent() {
        return meanFmeasure * 100.0;
    }
}
