package dev.lora4j.train;

import dev.lora4j.data.Batch;
import dev.lora4j.data.BatchPlan;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: AdamW over the trainable parameters, a warmup + decay schedule, gradient
 * accumulation and clipping, periodic evaluation with early stopping, metrics.jsonl and resumable
 * checkpoints. Given a run directory that already holds a checkpoint, {@link #run()} resumes from it
 * and ends exactly where an uninterrupted run would: data order, dropout masks, optimizer moments and
 * schedule are all functions of (seed, step).
 */
public final class Trainer {
    /** One optimizer step's numbers, as logged. */
    public record StepMetrics(long step, double loss, double lr, double gradNorm, long tokens, double tokensPerSecond,
                              double elapsedSeconds) {}

    /** Progress callbacks (the CLI draws a progress bar); an exception thrown here stops training. */
    public interface Listener {
        default void onStep(StepMetrics metrics) {}

        default void onEval(long step, double evalLoss) {}

        default void onCheckpoint(long step, Path dir) {}
    }

    /** How a run ended: steps taken, the losses of this attempt, early stopping, the best evaluation loss, the last checkpoint. */
    public record Result(long steps, List<Double> losses, boolean stoppedEarly, double bestEvalLoss, Path lastCheckpoint) {}

    private final TrainableModel model;
    private final TrainerConfig config;
    private final List<TokenizedExample> trainSet;
    private final List<TokenizedExample> evalSet;
    private final int padId;
    private final Path runDir;
    private final Listener listener;

    /**
     * @param evalSet may be empty (no evaluation)
     * @param runDir  where metrics.jsonl and checkpoints go, or null to keep nothing on disk
     */
    public Trainer(TrainableModel model, TrainerConfig config, List<TokenizedExample> trainSet,
                   List<TokenizedExample> evalSet, int padId, Path runDir, Listener listener) {
        this.model = model;
        this.config = config;
        this.trainSet = List.copyOf(trainSet);
        this.evalSet = List.copyOf(evalSet);
        this.padId = padId;
        this.runDir = runDir;
        this.listener = listener == null ? new Listener() {} : listener;
        if (runDir == null && config.checkpointEvery() > 0) {
            throw new Lora4jException("trainer", "checkpoints need a run directory");
        }
    }

    public Result run() {
        Map<String, Tensor> params = model.trainableParameters();
        if (params.isEmpty()) {
            throw new Lora4jException("trainer", "the model has no trainable parameters");
        }
        List<String> names = new ArrayList<>(params.keySet());
        List<Tensor> tensors = new ArrayList<>(params.values());
        BatchPlan plan = new BatchPlan(trainSet, config.batchSize(), config.shuffle(), 50, config.seed());
        Device device = model.model().device();
        AdamW.Options options = new AdamW.Options(config.learningRate(), config.beta1(), config.beta2(), config.eps(),
                config.weightDecay(), false);
        try (AdamW optimizer = new AdamW(tensors, options)) {
            TrainingState state = TrainingState.start();
            Path resumeFrom = runDir == null ? null : Checkpoint.latest(runDir);
            if (resumeFrom != null) {
                state = Checkpoint.restore(resumeFrom, model, optimizer, names);
                model.afterUpdate();
            }
            if (runDir != null) {
                createRunDir();
            }
            try (MetricsLog metrics = runDir == null ? null : new MetricsLog(runDir.resolve("metrics.jsonl"), state.step())) {
                return loop(state, plan, optimizer, tensors, names, metrics);
            }
        } finally {
            model.eval();
            model.endTraining();
        }
    }

    private Result loop(TrainingState start, BatchPlan plan, AdamW optimizer, List<Tensor> tensors, List<String> names,
                        MetricsLog metrics) {
        long step = start.step();
        int epoch = start.epoch();
        int batchInEpoch = start.batchInEpoch();
        double bestEval = start.bestEvalLoss();
        int stale = start.evalsWithoutImprovement();
        long tokensSeen = start.tokensSeen();
        List<int[]> batches = plan.epoch(epoch);
        List<Double> losses = new ArrayList<>();
        Path lastCheckpoint = null;
        boolean stoppedEarly = false;
        long t0 = System.nanoTime();
        Device device = model.model().device();

        while (step < config.maxSteps() && !stoppedEarly) {
            long stepStart = System.nanoTime();
            double lossSum = 0;
            long stepTokens = 0;
            for (int micro = 0; micro < config.gradAccumulation(); micro++) {
                if (batchInEpoch == batches.size()) {
                    epoch++;
                    batchInEpoch = 0;
                    batches = plan.epoch(epoch);
                }
                Batch batch = batchOf(batches.get(batchInEpoch++));
                // Dropout masks are a function of (seed, rank, site, step, micro-batch), so a resumed run
                // draws the same ones and nothing about them is saved.
                RandomKey key = new RandomKey(config.seed(), 0, step, micro);
                model.train(key);
                try (Scope scope = Scope.open()) {
                    Tensor ids = BatchTensors.inputIds(batch, device);
                    Tensor mask = BatchTensors.attentionMask(batch, device);
                    Tensor labels = BatchTensors.labels(batch, device);
                    Tensor lossTensor = model.trainingLoss(() -> model.model().forward(ids, mask, null, labels), labels, key);
                    double loss = lossTensor.item();
                    if (!Double.isFinite(loss)) {
                        throw new Lora4jException("train", "loss is " + loss + " at step " + (step + 1)
                                + " (epoch " + epoch + ", batch " + (batchInEpoch - 1) + "); nothing was updated and the last "
                                + "checkpoint is intact: lower the learning rate or enable gradient clipping");
                    }
                    lossTensor.div(config.gradAccumulation()).backward();
                    lossSum += loss;
                }
                stepTokens += batch.sourceTokens() + batch.labelTokens();
            }
            model.afterBackward();
            double gradNorm = GradientClipping.clipGradNorm(tensors,
                    config.maxGradNorm() > 0 ? config.maxGradNorm() : Double.POSITIVE_INFINITY);
            if (!Double.isFinite(gradNorm)) {
                throw new Lora4jException("train", "gradient norm is " + gradNorm + " at step " + (step + 1)
                        + "; nothing was updated and the last checkpoint is intact");
            }
            double lr = config.learningRate() * config.schedule().factor(step, config.warmupSteps(), config.maxSteps());
            optimizer.setLr(lr);
            optimizer.step();
            optimizer.zeroGrad();
            model.afterUpdate();
            step++;
            tokensSeen += stepTokens;
            double loss = lossSum / config.gradAccumulation();
            losses.add(loss);
            double seconds = (System.nanoTime() - stepStart) / 1e9;
            StepMetrics m = new StepMetrics(step, loss, lr, gradNorm, stepTokens, stepTokens / Math.max(seconds, 1e-9),
                    (System.nanoTime() - t0) / 1e9);
            if (metrics != null && (step % config.logEvery() == 0 || step == config.maxSteps())) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", step);
                row.put("epoch", epoch);
                row.put("loss", loss);
                row.put("lr", lr);
                row.put("grad_norm", gradNorm);
                row.put("tokens", stepTokens);
                row.put("tokens_per_s", m.tokensPerSecond());
                metrics.write(row);
            }
            listener.onStep(m);

            if (config.evalEvery() > 0 && !evalSet.isEmpty() && step % config.evalEvery() == 0) {
                double evalLoss = evaluate();
                listener.onEval(step, evalLoss);
                if (metrics != null) {
                    metrics.write(Map.of("step", step, "eval_loss", evalLoss));
                }
                if (evalLoss < bestEval) {
                    bestEval = evalLoss;
                    stale = 0;
                    if (runDir != null) {
                        model.saveWeights(runDir.resolve("best"));
                    }
                } else if (config.earlyStoppingPatience() > 0 && ++stale >= config.earlyStoppingPatience()) {
                    stoppedEarly = true;
                }
            }
            boolean last = step == config.maxSteps() || stoppedEarly;
            if (config.checkpointEvery() > 0 && (step % config.checkpointEvery() == 0 || last)) {
                TrainingState state = new TrainingState(step, epoch, batchInEpoch, bestEval, stale, tokensSeen);
                lastCheckpoint = Checkpoint.write(runDir, model, optimizer, names, state, config.keepCheckpoints());
                listener.onCheckpoint(step, lastCheckpoint);
            }
        }
        return new Result(step, losses, stoppedEarly, bestEval, lastCheckpoint);
    }

    private Batch batchOf(int[] indices) {
        List<TokenizedExample> examples = new ArrayList<>(indices.length);
        for (int i : indices) {
            examples.add(trainSet.get(i));
        }
        return Batch.of(examples, padId);
    }

    /** Mean loss over the evaluation set (batches in file order), without dropout or gradients. */
    public double evaluate() {
        if (evalSet.isEmpty()) {
            throw new Lora4jException("trainer", "no evaluation examples");
        }
        model.eval();
        Device device = model.model().device();
        double sum = 0;
        int count = 0;
        try (var noGrad = Autograd.noGrad()) {
            for (int start = 0; start < evalSet.size(); start += config.batchSize()) {
                Batch batch = Batch.of(evalSet.subList(start, Math.min(evalSet.size(), start + config.batchSize())), padId);
                try (Scope scope = Scope.open()) {
                    sum += model.model().forward(BatchTensors.inputIds(batch, device), BatchTensors.attentionMask(batch, device), null,
                            BatchTensors.labels(batch, device)).loss().item();
                    count++;
                }
            }
        }
        return sum / count;
    }

    private void createRunDir() {
        try {
            Files.createDirectories(runDir);
        } catch (java.io.IOException e) {
            throw new Lora4jException("trainer", "cannot create run directory " + runDir + ": " + e.getMessage(), e);
        }
    }
}
