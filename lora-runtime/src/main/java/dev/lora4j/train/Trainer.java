package dev.lora4j.train;

import dev.lora4j.data.Batch;
import dev.lora4j.data.BatchPlan;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.distributed.ProcessGroup;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;

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
 *
 * <p>Data parallel (docs/DISTRIBUTED.md): given a {@link ProcessGroup} of N ranks, one optimizer step
 * takes N × gradAccumulation consecutive batches of the plan, rank r training on the batches at
 * positions r, r + N, r + 2N, …; the trainable state starts as rank 0's, gradients are averaged over the
 * ranks after backward and before clipping, so every rank takes the same update, and the run equals a
 * one-process run with N × gradAccumulation accumulation to rounding. Evaluation is sharded and its sums
 * gathered. Rank 0 alone writes the run directory (metrics, best, checkpoints) and calls the listener;
 * every rank reads the checkpoint it resumes from, which must have been written with the same N.
 */
public final class Trainer {
    /** See {@link #trainingForward}: false only with the system property {@code lora4j.paddingFree=false}. */
    private static final boolean PADDING_FREE = !"false".equalsIgnoreCase(System.getProperty("lora4j.paddingFree", "true"));

    /**
     * The forward a training step runs: {@link T5ForConditionalGeneration#forwardPaddingFree} (the same
     * loss and gradients as {@link T5ForConditionalGeneration#forward}, without computing the padding), or
     * the padded forward when the system property {@code lora4j.paddingFree} is {@code false} (to measure
     * one against the other). Benchmarks that replicate the step call this too.
     *
     * @param model         the model, in training mode
     * @param inputIds      (B, S) int64
     * @param attentionMask (B, S) 1 = token, 0 = padding
     * @param labels        (B, T) int64 with -100 at positions to ignore
     * @return the forward's output, loss included, in the caller's scope
     */
    public static T5Output trainingForward(T5ForConditionalGeneration model, Tensor inputIds, Tensor attentionMask,
                                           Tensor labels) {
        return PADDING_FREE ? model.forwardPaddingFree(inputIds, attentionMask, labels)
                : model.forward(inputIds, attentionMask, null, labels);
    }

    /**
     * One optimizer step's numbers, as logged.
     *
     * @param step            the optimizer steps taken so far, this one included (counted from 1)
     * @param loss            the step's mean training loss over its batches (and ranks)
     * @param lr              the learning rate the step used
     * @param gradNorm        the total gradient norm before clipping
     * @param tokens          source plus label tokens the step trained on, over all ranks
     * @param tokensPerSecond tokens divided by the step's wall-clock time
     * @param elapsedSeconds  wall-clock seconds since this attempt's loop started (not counting earlier attempts)
     */
    public record StepMetrics(long step, double loss, double lr, double gradNorm, long tokens, double tokensPerSecond,
                              double elapsedSeconds) {}

    /** Progress callbacks (the CLI draws a progress bar); an exception thrown here stops training. */
    public interface Listener {
        /**
         * Called after every optimizer step; does nothing by default.
         *
         * @param metrics the step's numbers
         */
        default void onStep(StepMetrics metrics) {}

        /**
         * Called after every evaluation; does nothing by default.
         *
         * @param step     the optimizer steps taken when the evaluation ran
         * @param evalLoss the mean loss over the evaluation set
         */
        default void onEval(long step, double evalLoss) {}

        /**
         * Called after a checkpoint is written; does nothing by default.
         *
         * @param step the optimizer steps the checkpoint holds
         * @param dir  the checkpoint's directory
         */
        default void onCheckpoint(long step, Path dir) {}
    }

    /**
     * How a run ended: steps taken, the losses of this attempt, early stopping, the best evaluation loss, the last checkpoint.
     *
     * @param steps          optimizer steps taken in all, including those before a resume
     * @param losses         the training loss of each step this attempt took, in order
     * @param stoppedEarly   whether early stopping ended the run before maxSteps
     * @param bestEvalLoss   the lowest evaluation loss seen, or positive infinity without evaluation
     * @param lastCheckpoint the directory of the last checkpoint this attempt wrote, or null for none
     */
    public record Result(long steps, List<Double> losses, boolean stoppedEarly, double bestEvalLoss, Path lastCheckpoint) {}

    private final TrainableModel model;
    private final TrainerConfig config;
    private final List<TokenizedExample> trainSet;
    private final List<TokenizedExample> evalSet;
    private final int padId;
    private final Path runDir;
    private final Listener listener;
    private final ProcessGroup group;
    private final int rank;
    private final int worldSize;

    /**
     * A trainer for a single-process run.
     *
     * @param model    the model to train; the trainer does not close it
     * @param config   how to train
     * @param trainSet the training examples; not empty
     * @param evalSet  may be empty (no evaluation)
     * @param padId    the pad token id batches are padded with
     * @param runDir   where metrics.jsonl and checkpoints go, or null to keep nothing on disk
     * @param listener progress callbacks, or null for none
     */
    public Trainer(TrainableModel model, TrainerConfig config, List<TokenizedExample> trainSet,
                   List<TokenizedExample> evalSet, int padId, Path runDir, Listener listener) {
        this(model, config, trainSet, evalSet, padId, runDir, listener, null);
    }

    /**
     * A trainer that is one rank of a data-parallel run.
     *
     * @param model    the model to train; the trainer does not close it
     * @param config   how to train; the same on every rank
     * @param trainSet the training examples, the same on every rank; not empty
     * @param evalSet  may be empty (no evaluation)
     * @param padId    the pad token id batches are padded with
     * @param runDir   where metrics.jsonl and checkpoints go (rank 0 writes, every rank reads), or null
     * @param listener progress callbacks, called on rank 0 only, or null for none
     * @param group    the ranks that train together, or null to train alone
     */
    public Trainer(TrainableModel model, TrainerConfig config, List<TokenizedExample> trainSet,
                   List<TokenizedExample> evalSet, int padId, Path runDir, Listener listener, ProcessGroup group) {
        this.group = group;
        this.rank = group == null ? 0 : group.rank();
        this.worldSize = group == null ? 1 : group.worldSize();
        this.model = model;
        this.config = config;
        this.trainSet = List.copyOf(trainSet);
        this.evalSet = List.copyOf(evalSet);
        this.padId = padId;
        this.runDir = runDir;
        // Rank 0 alone reports, as it alone writes.
        this.listener = listener == null || rank != 0 ? new Listener() {} : listener;
        if (runDir == null && config.checkpointEvery() > 0) {
            throw new Lora4jException("trainer", "checkpoints need a run directory");
        }
    }

    /**
     * Trains to maxSteps (or early stopping), resuming from the run directory's latest checkpoint if
     * there is one. Leaves the model in eval mode. In a data-parallel run every rank must call it.
     *
     * @return how the run ended
     * @throws dev.lora4j.Lora4jException when there is nothing to train, or the loss or gradient norm
     *         turns non-finite (before that step's update)
     */
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
                state = Checkpoint.restore(resumeFrom, model, optimizer, names, worldSize);
                model.afterUpdate();
                continueWithCheckpointsCpuGemm(resumeFrom);
            }
            if (group != null) {
                startTogether(tensors, state.step());
            }
            if (runDir != null && rank == 0) {
                createRunDir();
            }
            try (MetricsLog metrics = runDir == null || rank != 0 ? null : new MetricsLog(runDir.resolve("metrics.jsonl"), state.step())) {
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
            for (int slot = 0; slot < config.gradAccumulation() * worldSize; slot++) {
                if (batchInEpoch == batches.size()) {
                    epoch++;
                    batchInEpoch = 0;
                    batches = plan.epoch(epoch);
                }
                int[] indices = batches.get(batchInEpoch++);
                // Every rank walks the whole plan (so the data position is the same on all of them) and
                // trains on every N-th batch: slot = micro × N + rank.
                if (slot % worldSize != rank) {
                    continue;
                }
                int micro = slot / worldSize;
                Batch batch = batchOf(indices);
                // Dropout masks are a function of (seed, rank, site, step, micro-batch), so a resumed run
                // draws the same ones and nothing about them is saved.
                RandomKey key = new RandomKey(config.seed(), rank, step, micro);
                model.train(key);
                try (Scope scope = Scope.open()) {
                    Tensor ids = BatchTensors.inputIds(batch, device);
                    Tensor mask = BatchTensors.attentionMask(batch, device);
                    Tensor labels = BatchTensors.labels(batch, device);
                    Tensor lossTensor = model.trainingLoss(() -> trainingForward(model.model(), ids, mask, labels), labels, key);
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
            if (group != null) {
                // Each rank's gradient is its batches' mean; their average is the global batch's.
                group.allReduceGradients(tensors, ProcessGroup.ReduceOp.AVG);
                double[] totals = sumOverRanks(lossSum, stepTokens);
                lossSum = totals[0] / worldSize;
                stepTokens = Math.round(totals[1]);
            }
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
                    if (runDir != null && rank == 0) {
                        model.saveWeights(runDir.resolve("best"));
                    }
                } else if (config.earlyStoppingPatience() > 0 && ++stale >= config.earlyStoppingPatience()) {
                    stoppedEarly = true;
                }
            }
            boolean last = step == config.maxSteps() || stoppedEarly;
            if (config.checkpointEvery() > 0 && (step % config.checkpointEvery() == 0 || last)) {
                TrainingState state = new TrainingState(step, epoch, batchInEpoch, bestEval, stale, tokensSeen);
                lastCheckpoint = Checkpoint.checkpointsDir(runDir).resolve(String.format("step-%08d", step));
                if (rank == 0) {
                    lastCheckpoint = Checkpoint.write(runDir, model, optimizer, names, state, config.keepCheckpoints(), worldSize);
                    listener.onCheckpoint(step, lastCheckpoint);
                }
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

    /**
     * Mean loss over the evaluation set (batches in file order), without dropout or gradients. In a
     * data-parallel run every rank takes every N-th batch and the sums are gathered, so every rank
     * returns the same mean (equal to one process's, to rounding); every rank must call it.
     *
     * <p>Each batch counts once, a short last batch as much as a full one: transformers' Trainer reports
     * {@code eval_loss} so (it repeats every batch's loss eval_batch_size times, not the batch's own
     * size), and TrainingParityTest checks this against its Seq2SeqTrainer.
     *
     * @return the mean over batches of each batch's mean token loss; leaves the model in eval mode
     */
    public double evaluate() {
        if (evalSet.isEmpty()) {
            throw new Lora4jException("trainer", "no evaluation examples");
        }
        model.eval();
        Device device = model.model().device();
        double sum = 0;
        int count = 0;
        try (var noGrad = Autograd.noGrad()) {
            for (int start = 0, index = 0; start < evalSet.size(); start += config.batchSize(), index++) {
                if (index % worldSize != rank) {
                    continue;
                }
                Batch batch = Batch.of(evalSet.subList(start, Math.min(evalSet.size(), start + config.batchSize())), padId);
                try (Scope scope = Scope.open()) {
                    sum += model.model().forward(BatchTensors.inputIds(batch, device), BatchTensors.attentionMask(batch, device), null,
                            BatchTensors.labels(batch, device)).loss().item();
                    count++;
                }
            }
        }
        if (group != null) {
            double[] totals = sumOverRanks(sum, count);
            sum = totals[0];
            count = (int) Math.round(totals[1]);
        }
        return sum / count;
    }

    /** Two numbers summed over the ranks (float64, exact for counts). */
    private double[] sumOverRanks(double a, double b) {
        try (Tensor t = Tensor.of(new double[] {a, b}, 2)) {
            group.allReduce(List.of(t), ProcessGroup.ReduceOp.SUM);
            return t.toDoubleArray();
        }
    }

    /**
     * Before the first step of a data-parallel run: the ranks agree on where they start (a rank that read
     * another checkpoint is refused) and take rank 0's trainable tensors, so they all start from one state.
     * On the CPU they also take rank 0's GEMM library, which each process measured for itself (unless one
     * was set explicitly), so that a run computes the same on every rank and the same when run again.
     */
    private void startTogether(List<Tensor> tensors, long step) {
        boolean cpu = !model.model().device().isCuda();
        double library = cpu && "onednn".equals(NativeLibrary.cpuGemmLibrary()) ? 1 : 0;
        try (Tensor first = Tensor.of(new double[] {step, library}, 2)) {
            group.broadcast(List.of(first), 0);
            double[] rank0 = first.toDoubleArray();
            if (rank0[0] != step) {
                throw new Lora4jException("trainer", "rank " + rank + " would resume at step " + step + " but rank 0 at step "
                        + (long) rank0[0] + ": every rank must see the same run directory (checkpoints)");
            }
            if (cpu && rank0[1] != library && !cpuGemmSetExplicitly()) {
                NativeLibrary.selectCpuGemm(rank0[1] == 1 ? "onednn" : "aten");
            }
        }
        group.broadcast(tensors, 0);
        model.afterUpdate();
    }

    private void createRunDir() {
        try {
            Files.createDirectories(runDir);
        } catch (java.io.IOException e) {
            throw new Lora4jException("trainer", "cannot create run directory " + runDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A run on the CPU continues with the GEMM library its checkpoint recorded: the automatic choice is
     * measured per process and could come out otherwise now, and the two libraries differ in the last
     * float32 bits, so resuming would no longer match the uninterrupted run bit for bit. An explicit
     * LORA4J_CPU_GEMM=aten or onednn is obeyed instead.
     */
    private static void continueWithCheckpointsCpuGemm(Path checkpoint) {
        String recorded = Checkpoint.cpuGemm(checkpoint);
        if (recorded != null && !cpuGemmSetExplicitly() && !recorded.equals(NativeLibrary.cpuGemmLibrary())) {
            NativeLibrary.selectCpuGemm(recorded);
        }
    }

    private static boolean cpuGemmSetExplicitly() {
        String asked = System.getenv("LORA4J_CPU_GEMM");
        return "aten".equals(asked) || "onednn".equals(asked);
    }
}
