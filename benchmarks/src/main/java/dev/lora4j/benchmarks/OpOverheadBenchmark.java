package dev.lora4j.benchmarks;

import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.internal.Native;
import dev.lora4j.internal.TensorHandles;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What one tiny op costs through lora4j, layer by layer (issue 2). Read the results bottom-up:
 *
 * <ul>
 *   <li>{@link #bareDowncall}: {@code l4j_abi_version()}, a critical downcall that returns a constant:
 *       the FFM floor.</li>
 *   <li>{@link #bareDowncallWithTransition}: {@code l4j_get_num_threads(out)}, a normal (non-critical)
 *       downcall with the shim's try/catch guard: the floor every libtorch op pays.</li>
 *   <li>{@link #numel}: {@code Tensor.numel()}: scratch frame, closed-check, critical downcall, status check.</li>
 *   <li>{@link #cleanerRegisterAndClean}: Java only, no native call: registering an object with a
 *       {@link Cleaner} and cleaning it, which every {@link Tensor} does once in its life.</li>
 *   <li>{@link #add1RawBindings}: {@code l4j_tensor_add} then {@code l4j_tensor_free} through the
 *       generated bindings, no {@link Tensor} object: libtorch dispatch plus the shim's handle.</li>
 *   <li>{@link #add1}: {@code a.add(b)} then {@code close()} on one-element float tensors: the full
 *       cost of a tiny op through the Tensor API.</li>
 *   <li>{@link #add1InScope}: the same, freed by closing a {@link Scope} instead.</li>
 *   <li>{@link #add64x64}: {@code a.add(b)} then {@code close()} on 64x64 float tensors.</li>
 * </ul>
 *
 * <p>libtorch runs on one intra-op thread, as does the PyTorch side ({@code benchmarks/python/op_overhead.py}).
 * Run with {@code scripts/bench-ops.sh}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OpOverheadBenchmark {

    private static final Cleaner CLEANER = Cleaner.create();
    private static final Runnable NO_OP = () -> {};

    private Tensor a1;
    private Tensor b1;
    private MemorySegment a1Handle; // resolved once, so the raw-bindings case times the downcall alone
    private MemorySegment b1Handle;
    private Tensor a64;
    private Tensor b64;
    private Arena arena;
    private MemorySegment out;
    private long liveAtStart;

    @Setup(Level.Trial)
    public void setUp() {
        NativeLibrary.ensureLoaded();
        NativeLibrary.setNumThreads(1);
        liveAtStart = NativeLibrary.liveTensors();
        a1 = Tensor.of(new float[] {1.5f}, 1);
        b1 = Tensor.of(new float[] {2.25f}, 1);
        a1Handle = TensorHandles.of(a1);
        b1Handle = TensorHandles.of(b1);
        float[] x = new float[64 * 64];
        float[] y = new float[64 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.001f;
            y[i] = 1.0f - i * 0.0005f;
        }
        a64 = Tensor.of(x, 64, 64);
        b64 = Tensor.of(y, 64, 64);
        arena = Arena.ofConfined();
        // Native out-pointer for the raw calls: l4j_get_num_threads and l4j_tensor_add write into it.
        out = arena.allocate(ValueLayout.ADDRESS);

        // Sanity: the workloads compute what they claim, before anything is timed.
        try (Tensor c = a1.add(b1)) {
            float[] v = c.toFloatArray();
            if (v.length != 1 || v[0] != 3.75f) {
                throw new IllegalStateException("add on 1-element tensors gave " + Arrays.toString(v));
            }
        }
        try (Tensor c = a64.add(b64)) {
            if (c.numel() != 64 * 64) {
                throw new IllegalStateException("add on 64x64 tensors gave numel " + c.numel());
            }
        }
        if (NativeLibrary.numThreads() != 1) {
            throw new IllegalStateException("libtorch threads: " + NativeLibrary.numThreads());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a1.close();
        b1.close();
        a64.close();
        b64.close();
        arena.close();
        long live = NativeLibrary.liveTensors();
        if (live != liveAtStart) {
            throw new IllegalStateException("native tensors leaked: " + live + " live after the run, "
                    + liveAtStart + " before");
        }
    }

    /** (a) The FFM floor: a critical downcall that returns a constant. */
    @Benchmark
    public int bareDowncall() {
        return lora4j_h.l4j_abi_version();
    }

    /** A non-critical downcall (thread-state transition) through the shim's error guard. */
    @Benchmark
    public int bareDowncallWithTransition() {
        Native.check(lora4j_h.l4j_get_num_threads(out));
        return out.get(ValueLayout.JAVA_INT, 0);
    }

    /** (b) A shape query through the Tensor API. */
    @Benchmark
    public long numel() {
        return a1.numel();
    }

    /** The Java-side safety net every Tensor pays, alone: Cleaner registration plus an explicit clean. */
    @Benchmark
    public void cleanerRegisterAndClean(Blackhole bh) {
        Object o = new Object();
        Cleaner.Cleanable c = CLEANER.register(o, NO_OP);
        bh.consume(o);
        c.clean();
    }

    /** The native part of (c) alone: add and free through the bindings, no Tensor object. */
    @Benchmark
    public int add1RawBindings() {
        Native.check(lora4j_h.l4j_tensor_add(a1Handle, b1Handle, 1.0, out));
        MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
        int status = lora4j_h.l4j_tensor_free(handle);
        Native.check(status);
        return status;
    }

    /** (c) The full cost of a tiny op: add on 1-element tensors, then close the result. */
    @Benchmark
    public void add1(Blackhole bh) {
        Tensor c = a1.add(b1);
        bh.consume(c);
        c.close();
    }

    /** (d) The same, with the result freed by its Scope. */
    @Benchmark
    public void add1InScope(Blackhole bh) {
        try (Scope scope = Scope.open()) {
            bh.consume(a1.add(b1));
        }
    }

    /** (e) add on 64x64 float tensors, then close the result. */
    @Benchmark
    public void add64x64(Blackhole bh) {
        Tensor c = a64.add(b64);
        bh.consume(c);
        c.close();
    }
}
