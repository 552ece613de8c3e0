package dev.lora4j.train;

import dev.lora4j.Lora4jException;

/**
 * How to train: optimizer (AdamW), schedule, batching, accumulation, clipping, evaluation, early
 * stopping, checkpoints and seeds. Steps count optimizer updates (each gradAccumulation batches).
 *
 * @param learningRate          AdamW's peak learning rate, before the schedule's factor; positive
 * @param beta1                 AdamW's first-moment decay
 * @param beta2                 AdamW's second-moment decay
 * @param eps                   AdamW's denominator epsilon
 * @param weightDecay           AdamW's decoupled weight decay
 * @param schedule              how the learning rate warms up and decays over the run
 * @param warmupSteps           optimizer steps of linear warmup, in [0, maxSteps]
 * @param maxSteps              optimizer steps to take in all (the run's length); at least 1
 * @param batchSize             examples per batch, for training and evaluation; at least 1
 * @param gradAccumulation      batches whose gradients are summed into one optimizer step (per rank); at least 1
 * @param maxGradNorm           the total gradient norm is clipped to this; 0 for no clipping
 * @param shuffle               whether each epoch shuffles the examples (seeded, batched by similar length)
 *                              rather than batching them in file order
 * @param evalEvery             evaluate every this many optimizer steps; 0 for never
 * @param earlyStoppingPatience stop after this many evaluations in a row without a new best loss; 0 never stops early
 * @param checkpointEvery       write a checkpoint every this many optimizer steps (and at the end); 0 for none
 * @param keepCheckpoints       how many of the newest checkpoints to keep on disk; at least 1
 * @param logEvery              write a metrics.jsonl row every this many optimizer steps (and at the last); at least 1
 * @param seed                  the seed of data order and dropout masks
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

    /**
     * Checks the values against the ranges documented on the components.
     *
     * @param learningRate          AdamW's peak learning rate; positive
     * @param beta1                 AdamW's first-moment decay
     * @param beta2                 AdamW's second-moment decay
     * @param eps                   AdamW's denominator epsilon
     * @param weightDecay           AdamW's decoupled weight decay
     * @param schedule              how the learning rate warms up and decays
     * @param warmupSteps           optimizer steps of linear warmup, in [0, maxSteps]
     * @param maxSteps              optimizer steps to take; at least 1
     * @param batchSize             examples per batch; at least 1
     * @param gradAccumulation      batches per optimizer step; at least 1
     * @param maxGradNorm           the gradient-norm clip; 0 for none
     * @param shuffle               whether to shuffle the batches each epoch
     * @param evalEvery             steps between evaluations; 0 for never
     * @param earlyStoppingPatience evaluations without improvement before stopping; 0 never stops early
     * @param checkpointEvery       steps between checkpoints; 0 for none
     * @param keepCheckpoints       newest checkpoints to keep; at least 1
     * @param logEvery              steps between metrics rows; at least 1
     * @param seed                  the seed of data order and dropout masks
     * @throws dev.lora4j.Lora4jException when a value is out of range
     */
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

    /**
     * Defaults close to the FLAN-T5 LoRA recipes: lr 1e-3, linear decay, batch 8, no warmup.
     *
     * @return 100 steps of AdamW (0.9, 0.999, 1e-8, weight decay 0.01), clipping at 1.0, shuffled, no
     *         evaluation or checkpoints, keeping 2, logging every 10 steps, seed 42
     */
    public static TrainerConfig defaults() {
        return new TrainerConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, LrSchedule.LINEAR, 0, 100, 8, 1, 1.0, true, 0, 0, 0, 2, 10, 42);
    }

    /**
     * A copy with another run length.
     *
     * @param steps  the new maxSteps
     * @param warmup the new warmupSteps, in [0, steps]
     * @return the changed copy
     */
    public TrainerConfig withSteps(int steps, int warmup) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmup, steps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    /**
     * A copy with another peak learning rate.
     *
     * @param lr the new learningRate; positive
     * @return the changed copy
     */
    public TrainerConfig withLearningRate(double lr) {
        return new TrainerConfig(lr, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    /**
     * A copy with other batching.
     *
     * @param batch        the new batchSize
     * @param accumulation the new gradAccumulation
     * @param shuffled     the new shuffle
     * @return the changed copy
     */
    public TrainerConfig withBatching(int batch, int accumulation, boolean shuffled) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batch,
                accumulation, maxGradNorm, shuffled, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    /**
     * A copy with another learning-rate schedule.
     *
     * @param value the new schedule
     * @return the changed copy
     */
    public TrainerConfig withSchedule(LrSchedule value) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, value, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    /**
     * A copy with other AdamW settings and gradient clipping.
     *
     * @param b1       the new beta1
     * @param b2       the new beta2
     * @param epsilon  the new eps
     * @param decay    the new weightDecay
     * @param clipNorm the new maxGradNorm; 0 for no clipping
     * @return the changed copy
     */
    public TrainerConfig withOptimizer(double b1, double b2, double epsilon, double decay, double clipNorm) {
        return new TrainerConfig(learningRate, b1, b2, epsilon, decay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, clipNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    /**
     * A copy with other evaluation and early-stopping settings.
     *
     * @param every    the new evalEvery; 0 for no evaluation
     * @param patience the new earlyStoppingPatience; 0 for no early stopping
     * @return the changed copy
     */
    public TrainerConfig withEvaluation(int every, int patience) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, every, patience, checkpointEvery, keepCheckpoints, logEvery, seed);
    }

    /**
     * A copy with other checkpoint settings.
     *
     * @param every the new checkpointEvery; 0 for no checkpoints
     * @param keep  the new keepCheckpoints; at least 1
     * @return the changed copy
     */
    public TrainerConfig withCheckpoints(int every, int keep) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, every, keep, logEvery, seed);
    }

    /**
     * A copy with another seed.
     *
     * @param value the new seed
     * @return the changed copy
     */
    public TrainerConfig withSeed(long value) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, logEvery, value);
    }

    /**
     * A copy with another logging interval.
     *
     * @param value the new logEvery; at least 1
     * @return the changed copy
     */
    public TrainerConfig withLogEvery(int value) {
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, schedule, warmupSteps, maxSteps, batchSize,
                gradAccumulation, maxGradNorm, shuffle, evalEvery, earlyStoppingPatience, checkpointEvery, keepCheckpoints, value, seed);
    }
}
