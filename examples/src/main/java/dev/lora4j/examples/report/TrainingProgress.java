package dev.lora4j.examples.report;

import dev.lora4j.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Shows a training run's progress: a bar over the steps (or plain lines, or nothing; see {@link ProgressMode})
 * whose message holds the smoothed loss, the learning rate and tokens per second; evaluation results are
 * printed on lines of their own above it. Pass it to the {@link Trainer} as its listener and close it after
 * {@code run()} returns.
 */
public final class TrainingProgress implements Trainer.Listener, AutoCloseable {
    /**
     * Weight of the history in the loss shown. Per-step loss jumps with each batch; an exponential moving
     * average over roughly the last ten steps shows the trend. Bias-corrected, so the first steps are not
     * pulled towards zero.
     */
    static final double LOSS_SMOOTHING = 0.9;

    private final ProgressView view;
    private double lossAverage;
    private long lossSteps;

    /** Prints to System.out in the mode {@link ProgressMode#detect()} picks. */
    public TrainingProgress(long totalSteps, long startStep, String label) {
        this(totalSteps, startStep, label, System.out, ProgressMode.detect());
    }

    /**
     * @param totalSteps the run's last step (TrainerConfig.maxSteps)
     * @param startStep  the step a resumed run starts after (0 for a fresh run); the ETA counts from here
     * @param label      shown before the bar, e.g. "train"
     */
    public TrainingProgress(long totalSteps, long startStep, String label, PrintStream out, ProgressMode mode) {
        this(openView(totalSteps, startStep, label, out, mode));
    }

    TrainingProgress(ProgressView view) {
        this.view = view;
    }

    private static ProgressView openView(long totalSteps, long startStep, String label, PrintStream out, ProgressMode mode) {
        if (totalSteps <= 0 || startStep < 0 || startStep > totalSteps) {
            throw new IllegalArgumentException("need 0 <= startStep <= totalSteps and totalSteps > 0, got startStep "
                    + startStep + ", totalSteps " + totalSteps);
        }
        return ProgressView.open(mode, label, totalSteps, startStep, ProgressUnit.COUNT, false, out, System::nanoTime);
    }

    @Override
    public void onStep(Trainer.StepMetrics metrics) {
        lossAverage = LOSS_SMOOTHING * lossAverage + (1 - LOSS_SMOOTHING) * metrics.loss();
        lossSteps++;
        double smoothed = lossAverage / (1 - Math.pow(LOSS_SMOOTHING, lossSteps));
        view.update(metrics.step(), message(smoothed, metrics.lr(), metrics.tokensPerSecond()));
    }

    @Override
    public void onEval(long step, double evalLoss) {
        view.println(String.format(Locale.ROOT, "step %d: eval loss %.4f", step, evalLoss));
    }

    @Override
    public void onCheckpoint(long step, Path dir) {
        // Checkpoints are frequent and their directory is predictable: not worth a line.
    }

    /** Prints a line of its own (above the bar, if one is drawn). */
    public void println(String line) {
        view.println(line);
    }

    @Override
    public void close() {
        view.close();
    }

    static String message(double smoothedLoss, double lr, double tokensPerSecond) {
        return String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f tok/s", smoothedLoss, lr, tokensPerSecond);
    }
}
