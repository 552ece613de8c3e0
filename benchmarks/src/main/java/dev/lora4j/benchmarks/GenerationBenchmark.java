package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.train.BatchTensors;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.data.Batch;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Generation;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
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
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Summary generation with a LoRA-adapted FLAN-T5 (issue 7): the {@code shape}'s config with random
 * weights (float32), a LoRA adapter (r 8, alpha 8, q and v; unmerged, as a PEFT model generates), eval
 * mode, {@link T5Generation#generate} on one batch of the first {@code batch} DialogSum test dialogues
 * in the default prompt (padded to the longest, sources truncated to {@code maxSourceLength}), greedy
 * ({@code numBeams} 1) or beam search.
 *
 * <p>Random weights would end sequences at random places, so EOS is forbidden until
 * {@code maxNewTokens} tokens ({@code minNewTokens = maxNewTokens}, on the Python side
 * {@code min_new_tokens}): every call generates exactly batch · maxNewTokens tokens, on both sides,
 * and each call checks that it did. tokens/s = that / the time per call (beam search counts the
 * returned tokens, not the beams' work). benchmarks/python/generation_bench.py runs the same with
 * {@code PeftModel.generate}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1)
@Measurement(iterations = 4)
public class GenerationBenchmark {
    private static final long MODEL_SEED = 0;

    @Param("small")
    public String shape;

    @Param("8")
    public int batch;

    @Param({"1", "4"})
    public int numBeams;

    @Param("64")
    public int maxNewTokens;

    @Param("512")
    public int maxSourceLength;

    /** libtorch intra-op threads; the Python side must use the same. */
    @Param("1")
    public int threads;

    /** "cpu", or "cuda" / "cuda:N". */
    @Param("cpu")
    public String device;

    private Device dev;
    private T5ForConditionalGeneration model;
    private GenerationConfig config;
    private Tensor inputIds; // (B, S)
    private Tensor attentionMask; // (B, S)
    private long sourceTokens;
    private long liveAtStart;
    private long liveAfterFirstCall = -1;
    private int calls;
    private RunRecord record;
    private boolean warmupIteration;

    @Setup(Level.Trial)
    public void setUp() {
        NativeLibrary.ensureLoaded();
        NativeLibrary.setNumThreads(threads);
        if (NativeLibrary.numThreads() != threads) {
            throw new IllegalStateException("libtorch threads: " + NativeLibrary.numThreads() + ", wanted " + threads);
        }
        dev = Device.parse(device);
        List<TokenizedExample> examples = DialogSumBatches.generationInputs(batch, maxSourceLength);
        Batch padded = Batch.of(examples, 0);
        sourceTokens = padded.sourceTokens();
        liveAtStart = NativeLibrary.liveTensors();
        model = T5ForConditionalGeneration.fromConfig(BenchData.flanT5(shape), MODEL_SEED, dev, DType.FLOAT32);
        PeftModel lora = PeftModel.wrap(model, LoraConfig.defaults(), DialogSumBatches.SEED);
        lora.eval();
        config = GenerationConfig.beams(numBeams, maxNewTokens).withMinNewTokens(maxNewTokens);
        try (Scope scope = Scope.open()) { // the host tensors Batch makes before moving them are freed here
            inputIds = scope.keep(BatchTensors.inputIds(padded, dev));
            attentionMask = scope.keep(BatchTensors.attentionMask(padded, dev));
        }

        record = new RunRecord("GenerationBenchmark");
        record.root().putObject("params").put("shape", shape).put("batch", batch).put("num_beams", numBeams)
                .put("max_new_tokens", maxNewTokens).put("max_source_length", maxSourceLength).put("threads", threads)
                .put("device", device);
        record.root().put("source_tokens", sourceTokens).put("source_length", padded.sourceLength())
                .put("rss_after_setup_bytes", ProcessMemory.rssBytes());
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
        warmupIteration = iteration.getType() == IterationType.WARMUP;
    }

    @Benchmark
    public void generate(Blackhole bh) {
        ObjectNode entry = record.addCall();
        entry.put("call", calls++).put("warmup", warmupIteration);
        StepClock clock = StepClock.start(entry, dev.isCuda());
        long[][] out = T5Generation.generate(model, inputIds, attentionMask, config);
        clock.phase("generate");
        clock.finish();
        long generated = 0;
        for (long[] row : out) {
            // The decoder start token, then exactly maxNewTokens tokens (EOS is forbidden before that).
            if (row.length != maxNewTokens + 1) {
                throw new IllegalStateException("a row of " + (row.length - 1) + " new tokens, expected " + maxNewTokens);
            }
            generated += row.length - 1;
        }
        if (out.length != batch) {
            throw new IllegalStateException(out.length + " rows generated for a batch of " + batch);
        }
        entry.put("tokens", generated);
        bh.consume(out);
    }

    @TearDown(Level.Iteration)
    public void checkNoGrowth() {
        long live = NativeLibrary.liveTensors();
        if (liveAfterFirstCall < 0) {
            liveAfterFirstCall = live;
        } else if (live > liveAfterFirstCall) {
            throw new IllegalStateException("native tensors grow across calls: " + live + " live, "
                    + liveAfterFirstCall + " after the first call");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (dev.isCuda()) {
            record.root().put("cuda_max_memory_allocated_bytes", Cuda.maxMemoryAllocated(-1));
        }
        inputIds.close();
        attentionMask.close();
        model.close();
        long live = NativeLibrary.liveTensors();
        record.root().put("live_tensors_before", liveAtStart).put("live_tensors_after", live);
        record.write();
        if (live != liveAtStart) {
            throw new IllegalStateException("native tensors leaked: " + live + " live after the run, " + liveAtStart + " before");
        }
    }
}
