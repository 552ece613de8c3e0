package dev.lora4j.train;

/**
 * Where a run stands, saved with every checkpoint so a resumed run continues exactly: optimizer steps
 * taken, the data position (epoch, next batch of it), and early stopping's memory. Random streams need
 * no saved position: dropout masks are keyed by (seed, rank, site, step, micro-batch).
 */
public record TrainingState(long step, int epoch, int batchInEpoch, double bestEvalLoss,
                            int evalsWithoutImprovement, long tokensSeen) {
    public static TrainingState start() {
        return new TrainingState(0, 0, 0, Double.POSITIVE_INFINITY, 0, 0);
    }
}
