package dev.lora4j.train;

import java.util.List;

/**
 * Where a run stands, saved with every checkpoint so a resumed run continues exactly: optimizer steps
 * taken, the data position (epoch, next batch of it), the adapters' dropout offsets, and early
 * stopping's memory.
 */
public record TrainingState(long step, int epoch, int batchInEpoch, List<Long> dropoutOffsets, double bestEvalLoss,
                            int evalsWithoutImprovement, long tokensSeen) {
    public static TrainingState start(List<Long> dropoutOffsets) {
        return new TrainingState(0, 0, 0, List.copyOf(dropoutOffsets), Double.POSITIVE_INFINITY, 0, 0);
    }
}
