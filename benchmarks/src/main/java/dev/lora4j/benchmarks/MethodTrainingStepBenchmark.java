package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.Batch;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.quant.Linear4bit;
import dev.lora4j.quant.QuantConfig;
import dev.lora4j.quant.T5Quantization;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.AdamW;
import dev.lora4j.train.BatchTensors;
import dev.lora4j.train.GradientClipping;
import dev.lora4j.train.TrainableModel;
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
 * One whole training step of FLAN-T5 under each registered method (issues 16 and 17), so every method
 * has a cost beside its reference library's (benchmarks/python/method_train_bench.py), not only LoRA
 * ({@link LoraTrainingStepBenchmark}). The method is the {@code --method} name, dora and the adapter
 * presets included, with the config {@code lora4j train --method NAME} builds from its defaults
 * ({@link MethodDefaults}): what a user who names only the method gets.
 *
 * <p>The rest is the LoRA benchmark's: a random model of the shape (float32, the config's dropout 0.1
 * active unless {@code modelDropout} says otherwise), AdamW (lr 1e-3, weight decay 0.01) over the
 * method's trainable tensors, clipping at 1.0, step i on batch i of {@link DialogSumBatches#training}.
 * The step goes through {@link TrainableModel#adapter}, as the trainer's does: the method's own training
 * loss (AdaMix's), and its hooks after backward and after the update (a reparametrized table recomputed),
 * all inside the timed step.
 *
 * <p>{@code qlora} is LoRA's defaults over a 4-bit base (issue 18): the model's dense layers quantized
 * with {@link QuantConfig#qlora()} (NF4, blocks of 64, double quantization, float32 compute; wo and
 * lm_head kept), as {@code lora4j train --method lora --quantize nf4 --double-quant} trains. The record
 * adds the quantized layers' weight bytes against their float32 bytes. Every method's record carries the
 * process's peak RSS and, apart from it, the peak of the measured steps alone
 * ({@code step_peak_rss_bytes}: VmHWM reset after setup), the figure QLoRA's memory target is about.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class MethodTrainingStepBenchmark {
    /** The registry name, as --method takes it. */
    @Param({"lora", "dora", "ia3", "ln-tuning", "bitfit", "prompt-tuning", "p-tuning", "prefix-tuning",
            "prefix-tuning-paper", "adapter-houlsby", "adapter-pfeiffer", "adamix", "qlora"})
    public String method;

    /** flan-t5-{shape}: small, base, large. */
    @Param("small")
    public String shape;

    @Param("8")
    public int batchSize;

    @Param("512")
    public int maxSourceLength;

    @Param("128")
    public int maxTargetLength;

    /** The model's own dropout rate; negative keeps the config's (0.1 for FLAN-T5). */
    @Param("-1")
    public double modelDropout;

    /** libtorch intra-op threads; the Python side must use the same. */
    @Param("1")
    public int threads;

    /** "cpu", or "cuda" / "cuda:N". */
    @Param("cpu")
    public String device;

    private Device dev;
    private T5ForConditionalGeneration model;
    private PeftModel peft;
    private TrainableModel trainer;
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
        model = RandomT5.build(config, dev, "float32");
        boolean qlora = method.equals("qlora");
        ObjectNode quantization = qlora ? quantize(model) : null;
        String adapterMethod = qlora ? "lora" : method;
        ObjectNode methodJson = MethodDefaults.json(adapterMethod);
        peft = PeftModel.wrap(model, MethodDefaults.config(adapterMethod), DialogSumBatches.SEED);
        trainer = TrainableModel.adapter(peft, "benchmark");
        trainable = new ArrayList<>(trainer.trainableParameters().values());
        optimizer = new AdamW(trainable, new AdamW.Options(LoraTrainingStepBenchmark.LEARNING_RATE, 0.9, 0.999, 1e-8, 0.01, false));

        record = new RunRecord("MethodTrainingStepBenchmark");
        ObjectNode p = record.root().putObject("params");
        p.put("method", method).put("shape", shape).put("batch_size", batchSize).put("max_source_length", maxSourceLength)
                .put("max_target_length", maxTargetLength).put("model_dropout", config.dropoutRate()).put("threads", threads)
                .put("device", device).put("warmup_steps", params.getWarmup().getCount())
                .put("measured_steps", params.getMeasurement().getCount());
        record.root().set("method_config", peft.config().toJson());
        record.root().set("method_options", methodJson);
        ParameterCounts counts = peft.parameterCounts();
        if (quantization != null) {
            record.root().set("quantization", quantization);
        }
        record.root().put("trainable_parameters", counts.trainable()).put("total_parameters", counts.total())
                .put("dropout_rate", config.dropoutRate()).put("rss_after_setup_bytes", ProcessMemory.rssBytes())
                .put("setup_peak_rss_bytes", ProcessMemory.peakRssBytes())
                .put("step_peak_reset", ProcessMemory.resetPeak());
    }

    /** Quantizes the model's dense layers as QLoRA does; returns what the record says of it. */
    private static ObjectNode quantize(T5ForConditionalGeneration model) {
        QuantConfig q = QuantConfig.qlora();
        int layers = T5Quantization.quantize(model, q).size();
        long quantizedBytes = 0;
        long float32Bytes = 0;
        for (var slot : model.slots(dev.lora4j.nn.LinearLayer.class).values()) {
            if (slot.get() instanceof Linear4bit layer) {
                quantizedBytes += layer.state().bytes();
                long numel = 1;
                for (long d : layer.state().shape()) {
                    numel *= d;
                }
                float32Bytes += numel * Float.BYTES;
            }
        }
        ObjectNode node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        node.put("type", q.type().jsonName()).put("blocksize", q.blocksize()).put("double_quant", q.doubleQuant())
                .put("compute_dtype", q.computeDType().toString().toLowerCase(java.util.Locale.ROOT)).put("layers", layers)
                .put("weight_bytes", quantizedBytes).put("float32_weight_bytes", float32Bytes)
                .put("weight_ratio", (double) quantizedBytes / float32Bytes);
        return node;
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
        RandomKey key = new RandomKey(DialogSumBatches.SEED, 0, step, 0);
        trainer.train(key);
        try (Scope scope = Scope.open()) {
            Tensor ids = BatchTensors.inputIds(batch, dev);
            Tensor mask = BatchTensors.attentionMask(batch, dev);
            Tensor labels = BatchTensors.labels(batch, dev);
            Tensor lossTensor = trainer.trainingLoss(() -> Trainer.trainingForward(model, ids, mask, labels), labels, key);
            double loss = lossTensor.item();
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("loss is " + loss + " at step " + step);
            }
            entry.put("loss", loss);
            clock.phase("forward");
            lossTensor.div(1).backward();
        }
        trainer.afterBackward();
        clock.phase("backward");
        double norm = GradientClipping.clipGradNorm(trainable, LoraTrainingStepBenchmark.MAX_GRAD_NORM);
        optimizer.setLr(LoraTrainingStepBenchmark.LEARNING_RATE);
        optimizer.step();
        optimizer.zeroGrad();
        trainer.afterUpdate();
        clock.phase("optimizer");
        clock.finish();
        entry.put("grad_norm", norm);
        bh.consume(norm);
        step++;
    }

    @TearDown(Level.Iteration)
    public void checkNoGrowth() {
        liveTensors.afterStep(step);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (dev.isCuda()) {
            record.root().put("cuda_max_memory_allocated_bytes", Cuda.maxMemoryAllocated(-1));
        }
        trainer.endTraining();
        optimizer.close();
        peft.unload();
        model.close();
        record.root().put("step_peak_rss_bytes", ProcessMemory.peakRssBytes());
        liveTensors.finish(record);
    }
}
