package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import dev.lora4j.train.LrSchedule;
import dev.lora4j.train.TrainerConfig;
import java.util.List;
import java.util.Locale;
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
        OptionChecks.positive("--lr", learningRate);
        OptionChecks.atLeast("--steps", steps, 1);
        OptionChecks.between("--warmup", warmup, 0, steps);
        OptionChecks.atLeast("--batch-size", batchSize, 1);
        OptionChecks.atLeast("--grad-accum", gradAccumulation, 1);
        OptionChecks.inHalfOpen("--beta1", beta1, 0, 1);
        OptionChecks.inHalfOpen("--beta2", beta2, 0, 1);
        OptionChecks.positive("--eps", eps);
        OptionChecks.nonNegative("--weight-decay", weightDecay);
        OptionChecks.nonNegative("--max-grad-norm", maxGradNorm);
        OptionChecks.atLeast("--eval-every", evalEvery, 0);
        OptionChecks.atLeast("--patience", patience, 0);
        OptionChecks.atLeast("--checkpoint-every", checkpointEvery, 0);
        OptionChecks.atLeast("--keep-checkpoints", keepCheckpoints, 1);
        OptionChecks.atLeast("--log-every", logEvery, 1);
        if (!List.of("constant", "linear", "cosine").contains(schedule.strip().toLowerCase(Locale.ROOT))) {
            throw new Lora4jException("cli", "--schedule must be constant, linear or cosine, got " + schedule);
        }
        if (patience > 0 && evalEvery == 0) {
            throw new Lora4jException("cli", "--patience counts validation evaluations: it needs --eval-every N (and --validation)");
        }
        // Always checkpoint at the end at least, so a run directory can be resumed or extended.
        int every = checkpointEvery > 0 ? checkpointEvery : steps;
        return new TrainerConfig(learningRate, beta1, beta2, eps, weightDecay, LrSchedule.parse(schedule), warmup, steps,
                batchSize, gradAccumulation, maxGradNorm, !noShuffle, evalEvery, patience, every, keepCheckpoints, logEvery, seed);
    }
}
