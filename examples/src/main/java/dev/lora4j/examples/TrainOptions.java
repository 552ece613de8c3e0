package dev.lora4j.examples;

import dev.lora4j.train.LrSchedule;
import dev.lora4j.train.TrainerConfig;
import picocli.CommandLine.Option;

/** The trainer's settings as options; defaults are those of TrainerConfig.defaults(). */
final class TrainOptions {
    @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "linear", description = "constant, linear or cosine (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", description = "Examples per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--grad-accum", paramLabel = "N", defaultValue = "1", description = "Batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int gradAccumulation;

    @Option(names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    double beta2;

    @Option(names = "--eps", defaultValue = "1e-8", description = "AdamW epsilon (default: ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Clip the gradient norm; 0 = off (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--no-shuffle", description = "Keep the file order (batches are still length-bucketed per epoch).")
    boolean noShuffle;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "0", description = "Validation loss every N steps; 0 = off (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
            description = "Stop after N evaluations without improvement; 0 = never (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "Checkpoint every N steps (and at the end); 0 = only at the end (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "N", defaultValue = "2", description = "Checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--log-every", paramLabel = "N", defaultValue = "1", description = "metrics.jsonl row every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of data order, dropout and adapter init (default: ${DEFAULT-VALUE}).")
    long seed;

    TrainerConfig config() {
        // Always checkpoint at the end at least, so a run directory can be resumed or extended.
        int every = checkpointEvery > 0 ? checkpointEvery : steps;
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, LrSchedule.parse(schedule), warmup, steps,
                batchSize, gradAccumulation, maxGradNorm, !noShuffle, evalEvery, patience, every, keepCheckpoints, logEvery, seed);
    }
}
