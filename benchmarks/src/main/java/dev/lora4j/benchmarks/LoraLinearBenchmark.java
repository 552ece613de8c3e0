package dev.lora4j.benchmarks;

import dev.lora4j.peft.lora.LoraLinear;
import dev.lora4j.peft.lora.LoraOps;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

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

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

/**
 * The fused LoRA linear op, {@link LoraOps#loraLinear}, as one layer of a training step (issue 3):
 * y = x·Wᵀ + b + s·(D(x)·Aᵀ)·Bᵀ on float32 CPU tensors, x of shape (tokens, d), W (d, d) and its bias
 * frozen, A (r, d) and B (d, r) trainable, x requiring grad as it does inside a network, training mode
 * (dropout D with probability p is active when p > 0), s = alpha / r with PEFT's default alpha = 8.
 *
 * <ul>
 *   <li>{@link #forward}: the op, recording its autograd node, in a {@link Scope} that frees the output
 *       and the graph: what a forward pass of a training step costs for this layer.</li>
 *   <li>{@link #forwardBackward}: the same, then {@code y.backward(dy)} with a fixed upstream gradient
 *       (gradients for x, A and B; none for W and the bias), then the gradients dropped as an optimizer's
 *       {@code zero_grad(set_to_none=True)} does, so every step allocates them afresh, as in PyTorch.</li>
 * </ul>
 *
 * <p>The dropout offset advances by numel(x) every call, as {@code LoraLinear} does, so every step draws
 * a new mask. The grid below is issue 3's (d = 768, 1024; 4096–16384 tokens; r = 8, 16, 64; p = 0, 0.05);
 * on a small CPU run a subset with {@code -p}, as {@code scripts/bench-lora.sh} does. Its PyTorch
 * counterpart, PEFT's LoRA Linear on the same shapes, is {@code benchmarks/python/lora_linear_bench.py};
 * both sides use {@code threads} intra-op threads.
 *
 * <p>Besides wall time (the score), each call's CPU time on the benchmark thread is counted in the
 * {@link CpuTime} aux counters. With one intra-op thread all of the op's work runs on the calling thread
 * (libtorch runs parallel loops inline, and CPU backward on the thread that calls it), so cpuNanos / calls
 * is the op's CPU cost per call: on a machine shared with other jobs it is much steadier than wall time,
 * which also counts the time the thread waited for a core. With more threads it misses the workers' share.
 *
 * <p>{@code -p device=cuda} runs the same on the GPU (a liblora4j built with CUDA): inputs are drawn on
 * the CPU and copied over, and every call ends with a device synchronize, so the score is the GPU's time;
 * the CPU-time counters then only count the host's side.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class LoraLinearBenchmark {

    /** PEFT's default lora_alpha; the scale is alpha / r as in PEFT (no rsLoRA). */
    static final double LORA_ALPHA = 8.0;
    private static final long INIT_SEED = 1234;
    private static final long DROPOUT_SEED = 42;

    @Param({"768", "1024"})
    public int d;

    @Param({"4096", "8192", "16384"})
    public int tokens;

    @Param({"8", "16", "64"})
    public int r;

    @Param({"0", "0.05"})
    public double p;

    /** libtorch intra-op threads; the Python side must use the same. */
    @Param({"1"})
    public int threads;

    /** "cpu", or "cuda" / "cuda:N" for the GPU grid. */
    @Param({"cpu"})
    public String device;

    private Tensor x;    // (tokens, d), requires grad
    private Tensor w;    // (d, d), frozen
    private Tensor bias; // (d), frozen
    private Tensor a;    // (r, d), requires grad
    private Tensor b;    // (d, r), requires grad
    private Tensor dy;   // (tokens, d), the upstream gradient
    private double scale;
    private boolean cuda;
    private long offset;
    private long liveAtStart;

    @Setup(Level.Trial)
    public void setUp() {
        NativeLibrary.ensureLoaded();
        NativeLibrary.setNumThreads(threads);
        if (NativeLibrary.numThreads() != threads) {
            throw new IllegalStateException("libtorch threads: " + NativeLibrary.numThreads() + ", wanted " + threads);
        }
        liveAtStart = NativeLibrary.liveTensors();
        scale = LORA_ALPHA / r;
        Device dev = Device.parse(device);
        cuda = dev.isCuda();
        try (Generator gen = new Generator(INIT_SEED); Scope init = Scope.open()) {
            // Inputs like PEFT's after init, except B: non-zero, so the adapter's path does real work
            // (zeros would not change the cost, but would hide a wrong result from the check below).
            x = init.keep(on(dev, Tensor.randn(gen, DType.FLOAT32, Device.CPU, tokens, d)));
            w = init.keep(on(dev, Tensor.randn(gen, DType.FLOAT32, Device.CPU, d, d).mul(1.0 / Math.sqrt(d))));
            bias = init.keep(on(dev, Tensor.randn(gen, DType.FLOAT32, Device.CPU, d).mul(0.1)));
            a = init.keep(on(dev, Tensor.randn(gen, DType.FLOAT32, Device.CPU, r, d).mul(1.0 / Math.sqrt(d))));
            b = init.keep(on(dev, Tensor.randn(gen, DType.FLOAT32, Device.CPU, d, r).mul(0.02)));
            dy = init.keep(on(dev, Tensor.randn(gen, DType.FLOAT32, Device.CPU, tokens, d)));
        }
        x.requiresGrad(true);
        a.requiresGrad(true);
        b.requiresGrad(true);
        check();
    }

    /**
     * Before anything is timed: the op computes what it claims (against unfused ops, with the mask
     * {@link LoraOps#dropout} draws at the same seed and offset), and backward fills the gradients of
     * x, A and B but not of the frozen W and bias.
     */
    private void check() {
        long off = nextOffset();
        try (Scope s = Scope.open()) {
            Tensor y = LoraOps.loraLinear(x, w, bias, a, b, scale, p, DROPOUT_SEED, off, true);
            try (var noGrad = Autograd.noGrad()) {
                Tensor xd = p > 0 ? LoraOps.dropout(x, p, DROPOUT_SEED, off) : x;
                Tensor ref = x.linear(w, bias).add(xd.matmul(a.transpose(0, 1)).matmul(b.transpose(0, 1)).mul(scale));
                double err = y.sub(ref).abs().max().item();
                if (!(err < 1e-3)) {
                    throw new IllegalStateException("loraLinear differs from x·Wᵀ + b + s·(D(x)·Aᵀ)·Bᵀ by " + err);
                }
            }
            y.backward(dy, false);
            if (x.grad() == null || a.grad() == null || b.grad() == null) {
                throw new IllegalStateException("backward left a gradient of x, A or B empty");
            }
            if (w.grad() != null || bias.grad() != null) {
                throw new IllegalStateException("backward computed a gradient for the frozen W or bias");
            }
        }
        dropGrads();
    }

    private static Tensor on(Device dev, Tensor t) {
        return dev.isCuda() ? t.to(dev) : t;
    }

    /** On the GPU, waits for the queued work, so that a call's time is the device's. */
    private void sync() {
        if (cuda) {
            Cuda.synchronize(-1);
        }
    }

    private long nextOffset() {
        long off = offset;
        offset += (long) tokens * d;
        return off;
    }

    private void dropGrads() {
        x.zeroGrad();
        a.zeroGrad();
        b.zeroGrad();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dropGrads();
        for (Tensor t : new Tensor[] {x, w, bias, a, b, dy}) {
            t.close();
        }
        long live = NativeLibrary.liveTensors();
        if (live != liveAtStart) {
            throw new IllegalStateException("native tensors leaked: " + live + " live after the run, "
                    + liveAtStart + " before");
        }
    }

    /**
     * CPU time of the benchmark thread, summed over an iteration's calls (JMH reports both sums per
     * iteration; their quotient is CPU ns per call).
     */
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        public long cpuNanos;
        public long calls;
        private long start;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            calls = 0;
        }

        void begin() {
            start = THREADS.getCurrentThreadCpuTime();
        }

        void end() {
            cpuNanos += THREADS.getCurrentThreadCpuTime() - start;
            calls++;
        }
    }

    /** Forward of one training step: the op and its autograd node, freed with the step's scope. */
    @Benchmark
    public void forward(CpuTime cpu, Blackhole bh) {
        cpu.begin();
        try (Scope step = Scope.open()) {
            bh.consume(LoraOps.loraLinear(x, w, bias, a, b, scale, p, DROPOUT_SEED, nextOffset(), true));
            sync();
        }
        cpu.end();
    }

    /** Forward and backward of one training step; gradients of x, A and B, dropped afterwards. */
    @Benchmark
    public void forwardBackward(CpuTime cpu, Blackhole bh) {
        cpu.begin();
        try (Scope step = Scope.open()) {
            Tensor y = LoraOps.loraLinear(x, w, bias, a, b, scale, p, DROPOUT_SEED, nextOffset(), true);
            y.backward(dy, false);
            bh.consume(y);
            sync();
        }
        dropGrads();
        cpu.end();
    }
}
