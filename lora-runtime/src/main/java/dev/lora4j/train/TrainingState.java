package dev.lora4j.train;

/**
 * Where a run stands, saved with every checkpoint so a resumed run continues exactly: optimizer steps
 * taken, the data position (epoch, next batch of it), and early stopping's memory. Random streams need
 * no saved position: dropout masks are keyed by (seed, rank, site, step, micro-batch).
 *
 * @param step                    optimizer steps taken
 * @param epoch                   the epoch the next batch comes from, counted from 0
 * @param batchInEpoch            the index of the next batch within that epoch, counted from 0
 * @param bestEvalLoss            the lowest evaluation loss so far, positive infinity before any
 * @param evalsWithoutImprovement evaluations in a row since the best one (early stopping's count)
 * @param tokensSeen              source plus label tokens trained on so far, over all ranks
 */
public record TrainingState(long step, int epoch, int batchInEpoch, double bestEvalLoss,
                            int evalsWithoutImprovement, long tokensSeen) {
    /**
     * The state of a run that has not started.
     *
     * @return step 0 at the start of epoch 0, no evaluation yet, no tokens seen
     */
    public static TrainingState start() {
        return new TrainingState(0, 0, 0, Double.POSITIVE_INFINITY, 0, 0);
    }
}
