package dev.lora4j.train;

import dev.lora4j.Lora4jException;

/**
 * How to train: optimizer (AdamW), schedule, batching, accumulation, clipping, evaluation, early
 * stopping, checkpoints and seeds. Steps count optimizer updates (each gradAccumulation batches).
 */
public record TrainerConfig(
        double learningRate,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        LrSchedule schedule,
        int warmupSteps,
        int maxSteps,
        int batchSize,
        int gradAccumulation,
        double maxGradNorm,
        boolean shuffle,
        int evalEvery,
        int earlyStoppingPatience,
        int checkpointEvery,
        int keepCheckpoints,
        int logEvery,
        long seed) {

    public TrainerConfig {
        if (!(learningRate > 0)) {
            throw new Lora4jException("trainer", "learning rate must be positive, got " + learningRate);
        }
        if (maxSteps < 1 || batchSize < 1 || gradAccumulation < 1) {
            throw new Lora4jException("trainer", "max steps, batch size and gradient accumulation must be positive");
        }
        if (warmupSteps < 0 || warmupSteps > maxSteps) {
            throw new Lora4jException("trainer", "warmup steps must be in [0, max steps], got " + warmupSteps);
        }
        if (maxGradNorm < 0 || evalEvery < 0 || earlyStoppingPatience < 0 || checkpointEvery < 0 || keepCheckpoints < 1 || logEvery < 1) {
            throw new Lora4jException("trainer", "clipping norm, eval/checkpoint intervals and patience must be >= 0; keep and log >= 1");
        }
    }

    /** Defaults close to the FLAN-T5 LoRA recipes: lr 1e-3, linear decay, batch 8, no warmup. */
    public static TrainerConfig defaults() {
        return new TrainerConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, LrSchedule.LINEAR, 0, 100, 8, 1, 1.0, true, 0, 0, 0, 2, 10, 42);
    }

    public TrainerConfig withSteps(int steps, int warmup) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmup, steps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    public TrainerConfig withLearningRate(double lr) {
        return new TrainerConfig(lr, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    public TrainerConfig withBatching(int batch, int accumulation, boolean shuffled) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batch,
                accumulation, maxGradNorm, shuffled, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    public TrainerConfig withSchedule(LrSchedule value) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, value, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    public TrainerConfig withOptimizer(double b1, double b2, double epsilon, double decay, double clipNorm) {
        return new TrainerConfig(learningRate, b1, b2, epsilon, decay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, clipNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    public TrainerConfig withEvaluation(int every, int patience) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, every, patience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    public TrainerConfig withCheckpoints(int every, int keep) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, every, keep, logEvery, seed);
    }

    public TrainerConfig withSeed(long value) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, value);
    }

    public TrainerConfig withLogEvery(int value) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, value, seed);
    }
}
