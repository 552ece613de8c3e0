package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import dev.lora4j.internal.TensorHandles;
import dev.lora4j.internal.Native;
import dev.lora4j.bindings.lora4j_h;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * A libtorch tensor, owned from Java. Every op returns a new tensor that belongs to the calling
 * thread's innermost open {@link Scope} (if any); close a tensor, or its scope, to free it. Closing is
 * idempotent; any use after close throws {@link Lora4jException}. A tensor is not thread-safe.
 *
 * <p>Shapes are {@code long...}; negative dimension indices count from the end, as in PyTorch.
 */
public final class Tensor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Tensor.class.getName());
    private static final Cleaner CLEANER = Cleaner.create();

    private final NativeHandle state;
    private final Cleaner.Cleanable cleanable;
    private Scope owner;

    /**
     * The part of a tensor the Cleaner may see: if the tensor becomes unreachable without being
     * closed, the Cleaner logs the leak and frees the native handle, as a safety net only.
     */
    private static final class NativeHandle implements Runnable {
        final MemorySegment address;
        volatile boolean closedExplicitly;

        NativeHandle(MemorySegment address) {
            this.address = address;
        }

        @Override
        public void run() {
            if (!closedExplicitly) {
                LOG.warning("a tensor was garbage-collected without being closed; close it or its Scope");
            }
            int status = lora4j_h.l4j_tensor_free(address);
            if (status != 0 && closedExplicitly) {
                throw Native.lastError();
            }
        }
    }

    private Tensor(MemorySegment address) {
        this.state = new NativeHandle(address);
        this.cleanable = CLEANER.register(this, state);
        Scope scope = Scope.current();
        if (scope != null) {
            owner = scope;
            scope.adopt(this);
        }
    }

    static {
        TensorHandles.install(new TensorHandles.Access() {
            @Override
            public MemorySegment handle(Tensor tensor) {
                return tensor.handle();
            }

            @Override
            public Tensor adopt(MemorySegment handle) {
                return Tensor.adopt(handle);
            }
        });
    }

    /** Takes ownership of a handle a native call returned (every op ends here). */
    static Tensor adopt(MemorySegment handle) {
        if (handle.equals(MemorySegment.NULL)) {
            throw new Lora4jException("tensor", "native call returned a null tensor handle");
        }
        return new Tensor(handle);
    }

    /** The native handle, for direct calls into {@code lora4j_h}. Throws if the tensor is closed. */
    MemorySegment handle() {
        if (cleanable == null || state.closedExplicitly) {
            throw new Lora4jException("tensor", "use of a closed tensor");
        }
        return state.address;
    }

    public boolean isClosed() {
        return state.closedExplicitly;
    }

    Scope owner() {
        return owner;
    }

    void setOwner(Scope scope) {
        owner = scope;
    }

    @Override
    public void close() {
        if (state.closedExplicitly) {
            return;
        }
        state.closedExplicitly = true;
        if (owner != null) {
            owner.release(this);
            owner = null;
        }
        cleanable.clean();
    }

    // ---- calls -------------------------------------------------------------------------------------

    /** A native call that writes one tensor handle to {@code out}. */
    @FunctionalInterface
    interface OutCall {
        int invoke(Native.Frame frame, MemorySegment out);
    }

    static Tensor call(OutCall call) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(call.invoke(f, out));
            return adopt(Native.readPointer(out));
        }
    }

    /** Two tensors from one call (values and indices). */
    public record Pair(Tensor values, Tensor indices) implements AutoCloseable {
        @Override
        public void close() {
            values.close();
            indices.close();
        }
    }

    @FunctionalInterface
    interface PairCall {
        int invoke(MemorySegment first, MemorySegment second);
    }

    static Pair callPair(PairCall call) {
        try (var f = Native.frame()) {
            MemorySegment a = f.pointerOut();
            MemorySegment b = f.pointerOut();
            Native.check(call.invoke(a, b));
            return new Pair(adopt(Native.readPointer(a)), adopt(Native.readPointer(b)));
        }
    }

    // ---- creation ----------------------------------------------------------------------------------

    /** Copies host data (a heap or native segment holding numel × element size bytes) into a new tensor. */
    public static Tensor of(MemorySegment data, DType dtype, Device device, long... shape) {
        long bytes = checkedNumel(shape) * dtype.byteSize();
        if (data.byteSize() != bytes) {
            throw new Lora4jException("tensor_from_data", "data holds " + data.byteSize() + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + bytes);
        }
        return call((f, out) -> {
            MemorySegment src = data;
            if (!data.isNative()) {
                src = f.allocate(Math.max(bytes, 1)).asSlice(0, bytes);
                MemorySegment.copy(data, 0, src, 0, bytes);
            }
            return lora4j_h.l4j_tensor_from_data(src, f.longs(shape), shape.length, dtype.code(),
                    device.type().code, device.index(), out);
        });
    }

    public static Tensor of(float[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.FLOAT32, Device.CPU, shape);
    }

    public static Tensor of(double[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.FLOAT64, Device.CPU, shape);
    }

    public static Tensor of(long[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.INT64, Device.CPU, shape);
    }

    public static Tensor of(int[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.INT32, Device.CPU, shape);
    }

    public static Tensor of(boolean[] data, long... shape) {
        byte[] bytes = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            bytes[i] = (byte) (data[i] ? 1 : 0);
        }
        return of(MemorySegment.ofArray(bytes), DType.BOOL, Device.CPU, shape);
    }

    /** A one-element, zero-dimensional float32 tensor. */
    public static Tensor scalar(double value) {
        return full(value, DType.FLOAT32, Device.CPU);
    }

    /**
     * A CPU tensor over native memory without copying. The caller keeps the memory alive and unchanged
     * until this tensor (and every view of it) is closed; read-only memory (a read-only mapping) must
     * never be written through it, so copy before training such a tensor in place.
     */
    public static Tensor wrap(MemorySegment data, DType dtype, long... shape) {
        if (!data.isNative()) {
            throw new Lora4jException("tensor_from_blob", "wrap needs native memory; use Tensor.of to copy heap data");
        }
        long bytes = checkedNumel(shape) * dtype.byteSize();
        if (data.byteSize() != bytes) {
            throw new Lora4jException("tensor_from_blob", "memory holds " + data.byteSize() + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + bytes);
        }
        if (bytes == 0) {
            return zeros(dtype, Device.CPU, shape);
        }
        return call((f, out) -> lora4j_h.l4j_tensor_from_blob(data, f.longs(shape), shape.length, dtype.code(), out));
    }

    public static Tensor empty(DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_empty(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), out));
    }

    public static Tensor zeros(long... shape) {
        return zeros(DType.FLOAT32, Device.CPU, shape);
    }

    public static Tensor zeros(DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_zeros(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), out));
    }

    public static Tensor ones(long... shape) {
        return ones(DType.FLOAT32, Device.CPU, shape);
    }

    public static Tensor ones(DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_ones(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), out));
    }

    public static Tensor full(double value, DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_full(f.longs(shape), shape.length, value, dtype.code(),
                device.type().code, device.index(), out));
    }

    /** Values start, start + step, ... below end. */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        return call((f, out) -> lora4j_h.l4j_tensor_arange(start, end, step, dtype.code(), device.type().code,
                device.index(), out));
    }

    public static Tensor arange(long end) {
        return arange(0, end, 1, DType.INT64, Device.CPU);
    }

    /** Uniform on [0, 1); gen may be null for libtorch's default generator. */
    public static Tensor rand(Generator gen, DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_rand(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), Generator.handleOrNull(gen), out));
    }

    /** Standard normal; gen may be null for libtorch's default generator. */
    public static Tensor randn(Generator gen, DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_randn(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), Generator.handleOrNull(gen), out));
    }

    private static long checkedNumel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new Lora4jException("tensor", "negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    // ---- queries -----------------------------------------------------------------------------------

    public int dim() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_ndim(handle(), out));
            return Native.readInt(out);
        }
    }

    public long[] shape() {
        try (var f = Native.frame()) {
            MemorySegment nd = f.intOut();
            Native.check(lora4j_h.l4j_tensor_ndim(handle(), nd));
            int n = Native.readInt(nd);
            MemorySegment out = f.allocate((long) Math.max(n, 1) * Long.BYTES);
            Native.check(lora4j_h.l4j_tensor_shape(handle(), out, n));
            return out.asSlice(0, (long) n * Long.BYTES).toArray(ValueLayout.JAVA_LONG);
        }
    }

    /** Size of one dimension; negative indices count from the end. */
    public long size(int dim) {
        long[] s = shape();
        int d = dim < 0 ? dim + s.length : dim;
        if (d < 0 || d >= s.length) {
            throw new Lora4jException("size", "dimension " + dim + " out of range for shape " + Arrays.toString(s));
        }
        return s[d];
    }

    public long numel() {
        try (var f = Native.frame()) {
            MemorySegment out = f.longOut();
            Native.check(lora4j_h.l4j_tensor_numel(handle(), out));
            return Native.readLong(out);
        }
    }

    public DType dtype() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_dtype(handle(), out));
            return DType.fromCode(Native.readInt(out));
        }
    }

    public Device device() {
        try (var f = Native.frame()) {
            MemorySegment type = f.intOut();
            MemorySegment index = f.intOut();
            Native.check(lora4j_h.l4j_tensor_device(handle(), type, index));
            Device.Type t = Device.Type.fromCode(Native.readInt(type));
            return t == Device.Type.CPU ? Device.CPU : new Device(t, Native.readInt(index));
        }
    }

    public boolean requiresGrad() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_requires_grad(handle(), out));
            return Native.readInt(out) != 0;
        }
    }

    public boolean isContiguous() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_is_contiguous(handle(), out));
            return Native.readInt(out) != 0;
        }
    }

    /** True if no element is NaN or infinite. */
    public boolean allFinite() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_all_finite(handle(), out));
            return Native.readInt(out) != 0;
        }
    }

    /** The value of a one-element tensor. */
    public double item() {
        try (var f = Native.frame()) {
            MemorySegment out = f.doubleOut();
            Native.check(lora4j_h.l4j_tensor_item_double(handle(), out));
            return Native.readDouble(out);
        }
    }

    public long itemLong() {
        try (var f = Native.frame()) {
            MemorySegment out = f.longOut();
            Native.check(lora4j_h.l4j_tensor_item_int64(handle(), out));
            return Native.readLong(out);
        }
    }

    /** Copies the elements, converted to {@code as}, into {@code dst} (numel × element size bytes). */
    public void copyTo(MemorySegment dst, DType as) {
        if (dtype() != as) {
            try (Scope s = Scope.open(); Tensor converted = to(as)) {
                converted.copyTo(dst, as);
                return;
            }
        }
        long bytes = numel() * as.byteSize();
        if (dst.byteSize() != bytes) {
            throw new Lora4jException("tensor_copy_to_host", "destination holds " + dst.byteSize()
                    + " bytes but the tensor has " + bytes);
        }
        try (var f = Native.frame()) {
            MemorySegment target = dst.isNative() ? dst : f.allocate(Math.max(bytes, 1)).asSlice(0, bytes);
            Native.check(lora4j_h.l4j_tensor_copy_to_host(handle(), target, bytes));
            if (!dst.isNative()) {
                MemorySegment.copy(target, 0, dst, 0, bytes);
            }
        }
    }

    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.FLOAT32);
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.FLOAT64);
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.INT64);
        return out;
    }

    public int[] toIntArray() {
        int[] out = new int[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.INT32);
        return out;
    }

    public boolean[] toBooleanArray() {
        byte[] bytes = new byte[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(bytes), DType.BOOL);
        boolean[] out = new boolean[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] != 0;
        }
        return out;
    }

    @Override
    public String toString() {
        if (isClosed()) {
            return "Tensor(closed)";
        }
        return "Tensor(" + Arrays.toString(shape()) + ", " + dtype() + ", " + device() + ")";
    }

    // ---- conversion and layout ---------------------------------------------------------------------

    public Tensor to(DType dtype) {
        return to(dtype, device());
    }

    public Tensor to(Device device) {
        return to(dtype(), device);
    }

    public Tensor to(DType dtype, Device device) {
        return call((f, out) -> lora4j_h.l4j_tensor_to(handle(), dtype.code(), device.type().code, device.index(), out));
    }

    public Tensor contiguous() {
        return call((f, out) -> lora4j_h.l4j_tensor_contiguous(handle(), out));
    }

    public Tensor copy() {
        return call((f, out) -> lora4j_h.l4j_tensor_clone(handle(), out));
    }

    public Tensor detach() {
        return call((f, out) -> lora4j_h.l4j_tensor_detach(handle(), out));
    }

    public Tensor view(long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_view(handle(), f.longs(shape), shape.length, out));
    }

    public Tensor reshape(long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_reshape(handle(), f.longs(shape), shape.length, out));
    }

    public Tensor permute(long... dims) {
        return call((f, out) -> lora4j_h.l4j_tensor_permute(handle(), f.longs(dims), dims.length, out));
    }

    public Tensor transpose(long dim0, long dim1) {
        return call((f, out) -> lora4j_h.l4j_tensor_transpose(handle(), dim0, dim1, out));
    }

    /** Elements start, start + step, ... below end along dim (end is clamped to the size). */
    public Tensor slice(long dim, long start, long end, long step) {
        return call((f, out) -> lora4j_h.l4j_tensor_slice(handle(), dim, start, end, step, out));
    }

    public Tensor narrow(long dim, long start, long length) {
        return call((f, out) -> lora4j_h.l4j_tensor_narrow(handle(), dim, start, length, out));
    }

    public Tensor unsqueeze(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_unsqueeze(handle(), dim, out));
    }

    public Tensor squeeze(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_squeeze(handle(), dim, out));
    }

    public Tensor expand(long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_expand(handle(), f.longs(shape), shape.length, out));
    }

    public static Tensor cat(long dim, Tensor... tensors) {
        return call((f, out) -> lora4j_h.l4j_tensor_cat(f.handles(tensors), tensors.length, dim, out));
    }

    public static Tensor stack(long dim, Tensor... tensors) {
        return call((f, out) -> lora4j_h.l4j_tensor_stack(f.handles(tensors), tensors.length, dim, out));
    }

    public Tensor indexSelect(long dim, Tensor index) {
        return call((f, out) -> lora4j_h.l4j_tensor_index_select(handle(), dim, index.handle(), out));
    }

    public Tensor gather(long dim, Tensor index) {
        return call((f, out) -> lora4j_h.l4j_tensor_gather(handle(), dim, index.handle(), out));
    }

    public Tensor repeatInterleave(long repeats, long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_repeat_interleave(handle(), repeats, dim, out));
    }

    // ---- in-place updates --------------------------------------------------------------------------

    /** Copies src's values into this tensor (broadcasting, converting dtype and device). */
    public Tensor copyFrom(Tensor src) {
        Native.check(lora4j_h.l4j_tensor_copy_(handle(), src.handle()));
        return this;
    }

    /** this += alpha · src */
    public Tensor addInPlace(Tensor src, double alpha) {
        Native.check(lora4j_h.l4j_tensor_add_(handle(), src.handle(), alpha));
        return this;
    }

    public Tensor mulInPlace(double value) {
        Native.check(lora4j_h.l4j_tensor_mul_scalar_(handle(), value));
        return this;
    }

    public Tensor fill(double value) {
        Native.check(lora4j_h.l4j_tensor_fill_(handle(), value));
        return this;
    }

    public Tensor uniformInPlace(double low, double high, Generator gen) {
        Native.check(lora4j_h.l4j_tensor_uniform_(handle(), low, high, Generator.handleOrNull(gen)));
        return this;
    }

    public Tensor normalInPlace(double mean, double std, Generator gen) {
        Native.check(lora4j_h.l4j_tensor_normal_(handle(), mean, std, Generator.handleOrNull(gen)));
        return this;
    }

    // ---- linear algebra ----------------------------------------------------------------------------

    public Tensor matmul(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_matmul(handle(), other.handle(), out));
    }

    /** this · weightᵀ + bias (bias may be null). */
    public Tensor linear(Tensor weight, Tensor bias) {
        return call((f, out) -> lora4j_h.l4j_tensor_linear(handle(), weight.handle(),
                bias == null ? MemorySegment.NULL : bias.handle(), out));
    }

    /** beta · input + alpha · (a · b) */
    public static Tensor addmm(Tensor input, Tensor a, Tensor b, double beta, double alpha) {
        return call((f, out) -> lora4j_h.l4j_tensor_addmm(input.handle(), a.handle(), b.handle(), beta, alpha, out));
    }

    public Tensor bmm(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_bmm(handle(), other.handle(), out));
    }

    // ---- elementwise -------------------------------------------------------------------------------

    public Tensor add(Tensor other) {
        return add(other, 1.0);
    }

    /** this + alpha · other */
    public Tensor add(Tensor other, double alpha) {
        return call((f, out) -> lora4j_h.l4j_tensor_add(handle(), other.handle(), alpha, out));
    }

    public Tensor sub(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_sub(handle(), other.handle(), 1.0, out));
    }

    public Tensor mul(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_mul(handle(), other.handle(), out));
    }

    public Tensor div(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_div(handle(), other.handle(), out));
    }

    public Tensor maximum(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_maximum(handle(), other.handle(), out));
    }

    public Tensor minimum(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_minimum(handle(), other.handle(), out));
    }

    public Tensor add(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_add_scalar(handle(), value, out));
    }

    public Tensor sub(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_sub_scalar(handle(), value, out));
    }

    public Tensor mul(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_mul_scalar(handle(), value, out));
    }

    /** True division, as Python's {@code /}. */
    public Tensor div(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_div_scalar(handle(), value, out));
    }

    public Tensor pow(double exponent) {
        return call((f, out) -> lora4j_h.l4j_tensor_pow_scalar(handle(), exponent, out));
    }

    public Tensor neg() {
        return call((f, out) -> lora4j_h.l4j_tensor_neg(handle(), out));
    }

    public Tensor abs() {
        return call((f, out) -> lora4j_h.l4j_tensor_abs(handle(), out));
    }

    public Tensor sqrt() {
        return call((f, out) -> lora4j_h.l4j_tensor_sqrt(handle(), out));
    }

    public Tensor rsqrt() {
        return call((f, out) -> lora4j_h.l4j_tensor_rsqrt(handle(), out));
    }

    public Tensor exp() {
        return call((f, out) -> lora4j_h.l4j_tensor_exp(handle(), out));
    }

    public Tensor log() {
        return call((f, out) -> lora4j_h.l4j_tensor_log(handle(), out));
    }

    public Tensor tanh() {
        return call((f, out) -> lora4j_h.l4j_tensor_tanh(handle(), out));
    }

    public Tensor sigmoid() {
        return call((f, out) -> lora4j_h.l4j_tensor_sigmoid(handle(), out));
    }

    public Tensor relu() {
        return call((f, out) -> lora4j_h.l4j_tensor_relu(handle(), out));
    }

    /** Exact GELU (erf). */
    public Tensor gelu() {
        return call((f, out) -> lora4j_h.l4j_tensor_gelu(handle(), lora4j_h.L4J_GELU_NONE(), out));
    }

    /** GELU with the tanh approximation (Hugging Face's gelu_new, used by FLAN-T5). */
    public Tensor geluTanh() {
        return call((f, out) -> lora4j_h.l4j_tensor_gelu(handle(), lora4j_h.L4J_GELU_TANH(), out));
    }

    /** Clamps to [min, max]; pass an infinity for an open end. */
    public Tensor clamp(double min, double max) {
        return call((f, out) -> lora4j_h.l4j_tensor_clamp(handle(), min, max, out));
    }

    public Tensor isFinite() {
        return call((f, out) -> lora4j_h.l4j_tensor_isfinite(handle(), out));
    }

    // ---- comparison and masking --------------------------------------------------------------------

    public Tensor eq(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_eq(handle(), other.handle(), out));
    }

    public Tensor ne(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_ne(handle(), other.handle(), out));
    }

    public Tensor lt(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_lt(handle(), other.handle(), out));
    }

    public Tensor le(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_le(handle(), other.handle(), out));
    }

    public Tensor gt(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_gt(handle(), other.handle(), out));
    }

    public Tensor ge(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_ge(handle(), other.handle(), out));
    }

    public Tensor eq(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_eq_scalar(handle(), value, out));
    }

    public Tensor ne(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_ne_scalar(handle(), value, out));
    }

    public Tensor lt(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_lt_scalar(handle(), value, out));
    }

    public Tensor le(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_le_scalar(handle(), value, out));
    }

    public Tensor gt(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_gt_scalar(handle(), value, out));
    }

    public Tensor ge(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_ge_scalar(handle(), value, out));
    }

    public Tensor logicalAnd(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_logical_and(handle(), other.handle(), out));
    }

    public Tensor logicalOr(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_logical_or(handle(), other.handle(), out));
    }

    public Tensor logicalNot() {
        return call((f, out) -> lora4j_h.l4j_tensor_logical_not(handle(), out));
    }

    /** This tensor with value wherever mask (broadcast to this shape) is true. */
    public Tensor maskedFill(Tensor mask, double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_masked_fill(handle(), mask.handle(), value, out));
    }

    /** Elementwise condition ? a : b. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return call((f, out) -> lora4j_h.l4j_tensor_where(condition.handle(), a.handle(), b.handle(), out));
    }

    public Tensor triu(long diagonal) {
        return call((f, out) -> lora4j_h.l4j_tensor_triu(handle(), diagonal, out));
    }

    public Tensor tril(long diagonal) {
        return call((f, out) -> lora4j_h.l4j_tensor_tril(handle(), diagonal, out));
    }

    // ---- reductions --------------------------------------------------------------------------------

    /** Sum of all elements (a 0-dim tensor). */
    public Tensor sum() {
        return call((f, out) -> lora4j_h.l4j_tensor_sum(handle(), MemorySegment.NULL, 0, 0, out));
    }

    public Tensor sum(boolean keepDim, long... dims) {
        requireDims("sum", dims);
        return call((f, out) -> lora4j_h.l4j_tensor_sum(handle(), f.longs(dims), dims.length, keepDim ? 1 : 0, out));
    }

    /** Mean of all elements (a 0-dim tensor). */
    public Tensor mean() {
        return call((f, out) -> lora4j_h.l4j_tensor_mean(handle(), MemorySegment.NULL, 0, 0, out));
    }

    public Tensor mean(boolean keepDim, long... dims) {
        requireDims("mean", dims);
        return call((f, out) -> lora4j_h.l4j_tensor_mean(handle(), f.longs(dims), dims.length, keepDim ? 1 : 0, out));
    }

    private static void requireDims(String op, long[] dims) {
        if (dims.length == 0) {
            throw new Lora4jException(op, "no dimensions given; use " + op + "() to reduce over all elements");
        }
    }

    /** Maximum along dim, with the indices where it occurs. */
    public Pair max(long dim, boolean keepDim) {
        return callPair((values, indices) -> lora4j_h.l4j_tensor_max_dim(handle(), dim, keepDim ? 1 : 0, values, indices));
    }

    /** Maximum of all elements (a 0-dim tensor). */
    public Tensor max() {
        return call((f, out) -> lora4j_h.l4j_tensor_max_all(handle(), out));
    }

    public Tensor argmax(long dim, boolean keepDim) {
        return call((f, out) -> lora4j_h.l4j_tensor_argmax(handle(), dim, keepDim ? 1 : 0, out));
    }

    public Pair topk(long k, long dim, boolean largest, boolean sorted) {
        return callPair((values, indices) -> lora4j_h.l4j_tensor_topk(handle(), k, dim, largest ? 1 : 0,
                sorted ? 1 : 0, values, indices));
    }

    public Tensor softmax(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_softmax(handle(), dim, out));
    }

    public Tensor logSoftmax(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_log_softmax(handle(), dim, out));
    }

    // ---- autograd ----------------------------------------------------------------------------------

    /** Marks this (leaf) tensor as a parameter whose gradient is accumulated; returns this. */
    public Tensor requiresGrad(boolean requiresGrad) {
        Native.check(lora4j_h.l4j_tensor_set_requires_grad(handle(), requiresGrad ? 1 : 0));
        return this;
    }

    /** Backpropagates from this one-element tensor. */
    public void backward() {
        Native.check(lora4j_h.l4j_tensor_backward(handle(), MemorySegment.NULL, 0));
    }

    /** Backpropagates with the given upstream gradient; retainGraph keeps the graph for another pass. */
    public void backward(Tensor grad, boolean retainGraph) {
        Native.check(lora4j_h.l4j_tensor_backward(handle(), grad == null ? MemorySegment.NULL : grad.handle(),
                retainGraph ? 1 : 0));
    }

    /** The accumulated gradient (a new tensor sharing its memory), or null if there is none. */
    public Tensor grad() {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_tensor_grad(handle(), out));
            MemorySegment h = Native.readPointer(out);
            return h.equals(MemorySegment.NULL) ? null : adopt(h);
        }
    }

    /** Drops the accumulated gradient. */
    public void zeroGrad() {
        Native.check(lora4j_h.l4j_tensor_zero_grad(handle()));
    }
}
