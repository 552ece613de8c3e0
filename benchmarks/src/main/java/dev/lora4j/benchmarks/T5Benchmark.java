package dev.lora4j.benchmarks;

import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * T5 at the flan-t5-small shape on the CPU, float32 (issue 4): one batch of {@code batch} sources of
 * {@code sourceLength} tokens (the last row padded to half length) with targets of {@code targetLength}.
 *
 * <ul>
 *   <li>{@link #forward}: eval mode, no gradients: encoder + decoder + head + loss.</li>
 *   <li>{@link #forwardBackward}: train mode (dropout 0.1 from a seeded generator, as the config says),
 *       forward, loss.backward() into every parameter, then the gradients are dropped: a full
 *       fine-tuning step without the optimizer.</li>
 * </ul>
 * Tokens per step = batch · (sourceLength + targetLength); tokens/s = that / the time per op.
 * benchmarks/python/t5_bench.py runs the same two workloads with transformers (eager PyTorch, default
 * attention), and scripts/bench-t5.sh runs both and prints the ratio. libtorch uses
 * {@code -Dlora4j.bench.threads} intra-op threads (default: every core), as the Python side does.
 *
 * <p>Besides JMH's wall-clock time, each op's CPU time on the benchmark thread is counted
 * ({@link CpuTime}: cpuNanos / calls). With one intra-op thread libtorch runs every kernel, backward
 * included, on the calling thread, so that is the whole step's CPU cost; on a shared machine it is far
 * steadier than wall time, which includes waiting for a core.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class T5Benchmark {
    /** shared/data/flan-t5-configs/flan-t5-small.json, the fields lora4j reads. */
    static final String FLAN_T5_SMALL = """
            {"model_type": "t5", "vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 1024,
             "num_layers": 8, "num_decoder_layers": 8, "num_heads": 6, "relative_attention_num_buckets": 32,
             "relative_attention_max_distance": 128, "dropout_rate": 0.1, "layer_norm_epsilon": 1e-06,
             "initializer_factor": 1.0, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}""";

    @Param("4")
    public int batch;

    @Param("128")
    public int sourceLength;

    @Param("32")
    public int targetLength;

    private T5ForConditionalGeneration model;
    private Generator dropout;
    private Tensor inputIds; // (B, S)
    private Tensor attentionMask; // (B, S)
    private Tensor labels; // (B, T)

    @Setup(Level.Trial)
    public void setUp() {
        NativeLibrary.ensureLoaded();
        NativeLibrary.setNumThreads(Integer.getInteger("lora4j.bench.threads", Runtime.getRuntime().availableProcessors()));
        model = T5ForConditionalGeneration.fromConfig(T5Config.parse(FLAN_T5_SMALL), 0, Device.CPU, DType.FLOAT32);
        dropout = new Generator(1);
        Random random = new Random(2);
        long[] ids = new long[batch * sourceLength];
        long[] mask = new long[batch * sourceLength];
        long[] targets = new long[batch * targetLength];
        for (int b = 0; b < batch; b++) {
            int length = b == batch - 1 ? sourceLength / 2 : sourceLength; // one padded row
            for (int s = 0; s < sourceLength; s++) {
                ids[b * sourceLength + s] = s < length ? 2 + random.nextInt(32000) : 0;
                mask[b * sourceLength + s] = s < length ? 1 : 0;
            }
            for (int t = 0; t < targetLength; t++) {
                targets[b * targetLength + t] = 2 + random.nextInt(32000);
            }
        }
        inputIds = Tensor.of(ids, batch, sourceLength);
        attentionMask = Tensor.of(mask, batch, sourceLength);
        labels = Tensor.of(targets, batch, targetLength);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        inputIds.close();
        attentionMask.close();
        labels.close();
        dropout.close();
        model.close();
    }

    /** CPU time of the benchmark thread, summed per iteration with the number of calls (JMH reports both). */
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long cpuNanos;
        public long calls;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            calls = 0;
        }

        long now() {
            return THREADS.getCurrentThreadCpuTime();
        }

        void add(long start) {
            cpuNanos += now() - start;
            calls++;
        }
    }

    @Benchmark
    public void forward(Blackhole bh, CpuTime cpu) {
        long start = cpu.now();
        model.eval();
        try (Autograd.Mode noGrad = Autograd.noGrad(); Scope scope = Scope.open()) {
            T5Output out = model.forward(inputIds, attentionMask, null, labels);
            bh.consume(out.loss().item());
        }
        cpu.add(start);
    }

    @Benchmark
    public void forwardBackward(Blackhole bh, CpuTime cpu) {
        long start = cpu.now();
        model.train(dropout);
        try (Scope scope = Scope.open()) {
            T5Output out = model.forward(inputIds, attentionMask, null, labels);
            out.loss().backward();
            bh.consume(out.loss().item());
        }
        for (Tensor p : model.namedParameters().values()) {
            p.zeroGrad();
        }
        cpu.add(start);
    }
}
