package dev.lora4j.eval;

/**
 * Precision, recall and F1 of one prediction against one reference, as fractions in [0, 1] (rouge-score's
 * {@code Score} tuple).
 *
 * @param precision the fraction of the prediction's units found in the reference, in [0, 1]
 * @param recall    the fraction of the reference's units found in the prediction, in [0, 1]
 * @param fmeasure  the harmonic mean of precision and recall (F1), in [0, 1]
 */
public record Score(double precision, double recall, double fmeasure) {

    /** All zero: what rouge-score returns when either side has no tokens. */
    public static final Score ZERO = new Score(0.0, 0.0, 0.0);

    /**
     * A score whose F1 is the harmonic mean of the two, computed with rouge-score's expression
     * {@code 2 * precision * recall / (precision + recall)} in the same order, so that the double result
     * is bit-identical; zero when both are zero.
     *
     * @param precision the precision, in [0, 1]
     * @param recall    the recall, in [0, 1]
     * @return the score with its F1
     */
    public static Score of(double precision, double recall) {
        double fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        return new Score(precision, recall, fmeasure);
    }
}
