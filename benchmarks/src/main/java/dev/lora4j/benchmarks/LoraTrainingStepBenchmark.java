package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.train.BatchTensors;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.peft.lora.LoraModel;
import dev.lora4j.data.Batch;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.Device;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.AdamW;
import dev.lora4j.train.GradientClipping;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * One whole LoRA training step of FLAN-T5 (issue 7), as {@code Trainer} takes it, on DialogSum's real
 * length distribution: the model of the {@code shape}'s config with random weights (float32), LoRA
 * r = {@code r}, alpha = {@code loraAlpha}, dropout = {@code loraDropout} on {@code targets} (default q
 * and v, PEFT's default targets for T5; or all-linear), the model's own dropout (0.1 in the FLAN-T5 configs) active, AdamW (lr 1e-3, betas
 * 0.9/0.999, eps 1e-8, weight decay 0.01) over the LoRA parameters.
 *
 * <p>One call = one step: dropout reseeded and train mode set as Trainer does, the batch's tensors made
 * and moved to the device, forward with labels, {@code loss.item()}, {@code loss.div(1).backward()}
 * (gradient accumulation 1), clipping at norm 1.0, {@code setLr}, {@code step()}, {@code zeroGrad()}.
 * Step i trains on batch i of {@link DialogSumBatches#training} (batches of {@code batchSize}, sources
 * truncated to {@code maxSourceLength}, summaries to {@code maxTargetLength}); warm-up iterations take
 * the first batches, so measured steps are the same ones benchmarks/python/lora_train_bench.py measures
 * with the same warm-up count. Each iteration is one step (single-shot), so the count is exact.
 *
 * <p>Beside JMH's time per step, each step's tokens (real source + label tokens, as Trainer counts
 * them), phase times (forward + loss, backward, optimizer) and process CPU time go to the
 * {@link RunRecord}, with the peak RSS. The live native tensors must not grow from one step to the
 * next, and must return to their count before the trial once everything is closed: a leak fails the
 * run.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2)
@Measurement(iterations = 6)
public class LoraTrainingStepBenchmark {
    static final double LEARNING_RATE = 1e-3;
    static final double MAX_GRAD_NORM = 1.0;

    /** flan-t5-{shape}: small, base, large (xl fits no CPU budget). */
    @Param("small")
    public String shape;

    @Param("8")
    public int batchSize;

    @Param("512")
    public int maxSourceLength;

    @Param("128")
    public int maxTargetLength;

    @Param("8")
    public int r;

    @Param("8")
    public double loraAlpha;

    @Param("0.05")
    public double loraDropout;

    /**
     * The model's own dropout rate; negative keeps the config's (0.1 for FLAN-T5). For ablations: 0 with
     * {@code loraDropout} 0 shows what dropout costs each side.
     */
    @Param("-1")
    public double modelDropout;

    /**
     * target_modules: names separated by commas (PEFT's default for T5: q,v) or by '+' (q+v; JMH's {@code -p}
     * splits a value at commas into several runs), or all-linear.
     */
    @Param("q,v")
    public String targets;

    /** libtorch intra-op threads; the Python side must use the same. */
    @Param("1")
    public int threads;

    /** "cpu", or "cuda" / "cuda:N". */
    @Param("cpu")
    public String device;

    /** The base weights' dtype, "float32" or "bfloat16"; the LoRA weights and AdamW's state stay float32. */
    @Param("float32")
    public String dtype;

    private Device dev;
    private T5ForConditionalGeneration model;
    private LoraModel lora;
    private AdamW optimizer;
    private List<Tensor> trainable;
    private List<Batch> batches;
    private int step;
    private LiveTensorCheck liveTensors;
    private RunRecord record;
    private boolean warmupIteration;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        RandomT5.useThreads(threads);
        dev = Device.parse(device);
        int steps = params.getWarmup().getCount() + params.getMeasurement().getCount();
        batches = DialogSumBatches.training(batchSize, steps, maxSourceLength, maxTargetLength).batches();
        liveTensors = new LiveTensorCheck();
        T5Config config = RandomT5.config(shape, modelDropout);
        model = RandomT5.build(config, dev, dtype);
        LoraConfig loraConfig = LoraConfig.defaults().withR(r).withAlpha(loraAlpha).withDropout(loraDropout)
                .withTargets(targets.equals("all-linear") ? LoraConfig.TargetModules.allLinear()
                        : LoraConfig.TargetModules.names(targets.split("[,+]")));
        lora = LoraModel.wrap(model, loraConfig, DialogSumBatches.SEED);
        trainable = new ArrayList<>(lora.trainableParameters().values());
        optimizer = new AdamW(trainable, new AdamW.Options(LEARNING_RATE, 0.9, 0.999, 1e-8, 0.01, false));

        record = new RunRecord("LoraTrainingStepBenchmark");
        ObjectNode p = record.root().putObject("params");
        p.put("shape", shape).put("batch_size", batchSize).put("max_source_length", maxSourceLength)
                .put("max_target_length", maxTargetLength).put("r", r).put("lora_alpha", loraAlpha)
                .put("lora_dropout", loraDropout).put("targets", targets)
                .put("grouped", Boolean.getBoolean("lora4j.lora.grouped")) // LoraGroups: off unless set.put("model_dropout", config.dropoutRate()).put("threads", threads).put("device", device).put("dtype", dtype)
                .put("warmup_steps", params.getWarmup().getCount()).put("measured_steps", params.getMeasurement().getCount());
        ParameterCounts counts = lora.parameterCounts();
        record.root().put("trainable_parameters", counts.trainable()).put("total_parameters", counts.total())
                .put("dropout_rate", config.dropoutRate()).put("adapted_layers", lora.adapters().size())
                .put("rss_after_setup_bytes", ProcessMemory.rssBytes());
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
        warmupIteration = iteration.getType() == IterationType.WARMUP;
    }

    @Benchmark
    public void step(Blackhole bh) {
        Batch batch = batches.get(step);
        ObjectNode entry = DialogSumBatches.recordStep(record, step, warmupIteration, batch);
        StepClock clock = StepClock.start(entry, dev.isCuda());
        // Dropout masks are keyed by (seed, rank, site, step, micro-batch), as Trainer draws them.
        lora.train(new RandomKey(DialogSumBatches.SEED, 0, step, 0));
        try (Scope scope = Scope.open()) {
            T5Output out = Trainer.trainingForward(model, BatchTensors.inputIds(batch, dev), BatchTensors.attentionMask(batch, dev), BatchTensors.labels(batch, dev));
            double loss = out.loss().item();
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("loss is " + loss + " at step " + step);
            }
            entry.put("loss", loss);
            clock.phase("forward");
            entry.put("rss_after_forward_bytes", ProcessMemory.rssBytes()); // what the backward starts with
            out.loss().div(1).backward();
        }
        clock.phase("backward");
        double norm = GradientClipping.clipGradNorm(trainable, MAX_GRAD_NORM);
        optimizer.setLr(LEARNING_RATE);
        optimizer.step();
        optimizer.zeroGrad();
        clock.phase("optimizer");
        clock.finish();
        entry.put("grad_norm", norm).put("peak_rss_so_far_bytes", ProcessMemory.peakRssBytes());
        bh.consume(norm);
        step++;
    }

    /** The live tensors after a step must be what they were after the first: a step that leaks fails the run. */
    @TearDown(Level.Iteration)
    public void checkNoGrowth() {
        liveTensors.afterStep(step);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (dev.isCuda()) {
            record.root().put("cuda_max_memory_allocated_bytes", Cuda.maxMemoryAllocated(-1));
        }
        optimizer.close();
        model.close();
        liveTensors.finish(record);
    }
}
