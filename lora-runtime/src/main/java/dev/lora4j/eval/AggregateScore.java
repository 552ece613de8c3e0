package dev.lora4j.eval;

/**
 * Corpus-level ROUGE for one type: the arithmetic means, over examples, of the per-example precision,
 * recall and F1 (fractions in [0, 1]). The mean F1 is not recomputed from the mean precision and recall:
 * it is the average of per-example F1 values, which is the number papers on DialogSum and SAMSum report.
 */
public record AggregateScore(double meanPrecision, double meanRecall, double meanFmeasure) {

    /** The mean F1 on the 0-100 scale used in papers and leaderboards. */
    public double fmeasurePercent() {
        return meanFmeasure * 100.0;
    }
}
