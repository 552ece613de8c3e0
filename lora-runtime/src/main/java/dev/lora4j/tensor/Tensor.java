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

    /**
     * Whether {@link #close()} has been called, directly or through the owning scope.
     *
     * @return true once this tensor has been closed
     */
    public boolean isClosed() {
        return state.closedExplicitly;
    }

    Scope owner() {
        return owner;
    }

    void setOwner(Scope scope) {
        owner = scope;
    }

    /** Frees the native tensor and detaches it from its scope; calling it again does nothing. */
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

    /**
     * Two tensors from one call (values and indices); closing the pair closes both.
     *
     * @param values the values, such as the maxima or the top k elements
     * @param indices the int64 indices where those values occur, shaped like {@code values}
     */
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

    /**
     * Copies host data (a heap or native segment holding numel × element size bytes) into a new tensor.
     *
     * @param data the elements in row-major order; must hold exactly numel × {@code dtype.byteSize()} bytes
     * @param dtype the element type of both {@code data} and the result
     * @param device where the new tensor lives
     * @param shape the dimensions; none may be negative
     * @return a new tensor holding a copy of {@code data}
     * @throws Lora4jException if the size of {@code data} does not match the shape, or the native copy fails
     */
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

    /**
     * Copies floats into a new float32 CPU tensor.
     *
     * @param data the elements in row-major order; its length must equal the product of {@code shape}
     * @param shape the dimensions
     * @return a new float32 tensor on the CPU
     */
    public static Tensor of(float[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.FLOAT32, Device.CPU, shape);
    }

    /**
     * Copies doubles into a new float64 CPU tensor.
     *
     * @param data the elements in row-major order; its length must equal the product of {@code shape}
     * @param shape the dimensions
     * @return a new float64 tensor on the CPU
     */
    public static Tensor of(double[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.FLOAT64, Device.CPU, shape);
    }

    /**
     * Copies longs into a new int64 CPU tensor.
     *
     * @param data the elements in row-major order; its length must equal the product of {@code shape}
     * @param shape the dimensions
     * @return a new int64 tensor on the CPU
     */
    public static Tensor of(long[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.INT64, Device.CPU, shape);
    }

    /**
     * Copies ints into a new int32 CPU tensor.
     *
     * @param data the elements in row-major order; its length must equal the product of {@code shape}
     * @param shape the dimensions
     * @return a new int32 tensor on the CPU
     */
    public static Tensor of(int[] data, long... shape) {
        return of(MemorySegment.ofArray(data), DType.INT32, Device.CPU, shape);
    }

    /**
     * Copies booleans into a new bool CPU tensor.
     *
     * @param data the elements in row-major order; its length must equal the product of {@code shape}
     * @param shape the dimensions
     * @return a new bool tensor on the CPU
     */
    public static Tensor of(boolean[] data, long... shape) {
        byte[] bytes = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            bytes[i] = (byte) (data[i] ? 1 : 0);
        }
        return of(MemorySegment.ofArray(bytes), DType.BOOL, Device.CPU, shape);
    }

    /**
     * A one-element, zero-dimensional float32 CPU tensor.
     *
     * @param value the element, rounded to float
     * @return a new 0-dim float32 tensor on the CPU
     */
    public static Tensor scalar(double value) {
        return full(value, DType.FLOAT32, Device.CPU);
    }

    /**
     * A CPU tensor over native memory without copying. The caller keeps the memory alive and unchanged until
     * this tensor (and every view of it) is closed; read-only memory (a read-only mapping) must never be
     * written through it, so copy before training such a tensor in place.
     *
     * @param data native memory holding exactly numel × {@code dtype.byteSize()} bytes, in row-major order
     * @param dtype the element type of the memory
     * @param shape the dimensions; none may be negative
     * @return a new CPU tensor viewing {@code data} (a fresh tensor when the shape has no elements)
     * @throws Lora4jException if {@code data} is on the heap or its size does not match the shape
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

    /**
     * A new tensor whose elements are left uninitialised.
     *
     * @param dtype the element type
     * @param device where the tensor lives
     * @param shape the dimensions
     * @return a new tensor with arbitrary contents
     */
    public static Tensor empty(DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_empty(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), out));
    }

    /**
     * A float32 CPU tensor of zeros.
     *
     * @param shape the dimensions
     * @return a new float32 CPU tensor filled with 0
     */
    public static Tensor zeros(long... shape) {
        return zeros(DType.FLOAT32, Device.CPU, shape);
    }

    /**
     * A tensor of zeros.
     *
     * @param dtype the element type
     * @param device where the tensor lives
     * @param shape the dimensions
     * @return a new tensor filled with 0
     */
    public static Tensor zeros(DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_zeros(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), out));
    }

    /**
     * A float32 CPU tensor of ones.
     *
     * @param shape the dimensions
     * @return a new float32 CPU tensor filled with 1
     */
    public static Tensor ones(long... shape) {
        return ones(DType.FLOAT32, Device.CPU, shape);
    }

    /**
     * A tensor of ones.
     *
     * @param dtype the element type
     * @param device where the tensor lives
     * @param shape the dimensions
     * @return a new tensor filled with 1
     */
    public static Tensor ones(DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_ones(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), out));
    }

    /**
     * A tensor with every element set to one value.
     *
     * @param value the value of every element, converted to {@code dtype}
     * @param dtype the element type
     * @param device where the tensor lives
     * @param shape the dimensions; none gives a 0-dim tensor
     * @return a new tensor filled with {@code value}
     */
    public static Tensor full(double value, DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_full(f.longs(shape), shape.length, value, dtype.code(),
                device.type().code, device.index(), out));
    }

    /**
     * A 1-dim tensor of the values start, start + step, ... below end.
     *
     * @param start the first value (inclusive)
     * @param end the bound the values stay below (exclusive)
     * @param step the distance between consecutive values; must not be 0
     * @param dtype the element type
     * @param device where the tensor lives
     * @return a new 1-dim tensor of ceil((end - start) / step) values
     */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        return call((f, out) -> lora4j_h.l4j_tensor_arange(start, end, step, dtype.code(), device.type().code,
                device.index(), out));
    }

    /**
     * The int64 CPU tensor 0, 1, ..., end - 1.
     *
     * @param end the number of values
     * @return a new 1-dim int64 CPU tensor
     */
    public static Tensor arange(long end) {
        return arange(0, end, 1, DType.INT64, Device.CPU);
    }

    /**
     * Uniform random values on [0, 1).
     *
     * @param gen the generator to draw from, or null for libtorch's default generator
     * @param dtype the element type; must be floating point
     * @param device where the tensor lives
     * @param shape the dimensions
     * @return a new tensor of random values
     */
    public static Tensor rand(Generator gen, DType dtype, Device device, long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_rand(f.longs(shape), shape.length, dtype.code(),
                device.type().code, device.index(), Generator.handleOrNull(gen), out));
    }

    /**
     * Random values from the standard normal distribution.
     *
     * @param gen the generator to draw from, or null for libtorch's default generator
     * @param dtype the element type; must be floating point
     * @param device where the tensor lives
     * @param shape the dimensions
     * @return a new tensor of random values
     */
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

    /**
     * The number of dimensions.
     *
     * @return the rank of this tensor, 0 for a scalar
     */
    public int dim() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_ndim(handle(), out));
            return Native.readInt(out);
        }
    }

    /**
     * The size of each dimension.
     *
     * @return a new array of the dimensions, outermost first
     */
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

    /**
     * Size of one dimension.
     *
     * @param dim the dimension; negative values count from the end
     * @return the size of that dimension
     * @throws Lora4jException if {@code dim} is out of range
     */
    public long size(int dim) {
        long[] s = shape();
        int d = dim < 0 ? dim + s.length : dim;
        if (d < 0 || d >= s.length) {
            throw new Lora4jException("size", "dimension " + dim + " out of range for shape " + Arrays.toString(s));
        }
        return s[d];
    }

    /**
     * The number of elements.
     *
     * @return the product of the dimensions (1 for a 0-dim tensor)
     */
    public long numel() {
        try (var f = Native.frame()) {
            MemorySegment out = f.longOut();
            Native.check(lora4j_h.l4j_tensor_numel(handle(), out));
            return Native.readLong(out);
        }
    }

    /**
     * The element type.
     *
     * @return the element type of this tensor
     */
    public DType dtype() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_dtype(handle(), out));
            return DType.fromCode(Native.readInt(out));
        }
    }

    /**
     * Where this tensor lives.
     *
     * @return {@link Device#CPU} or the CUDA device holding the data
     */
    public Device device() {
        try (var f = Native.frame()) {
            MemorySegment type = f.intOut();
            MemorySegment index = f.intOut();
            Native.check(lora4j_h.l4j_tensor_device(handle(), type, index));
            Device.Type t = Device.Type.fromCode(Native.readInt(type));
            return t == Device.Type.CPU ? Device.CPU : new Device(t, Native.readInt(index));
        }
    }

    /**
     * Whether autograd records operations on this tensor.
     *
     * @return true if gradients flow to this tensor
     */
    public boolean requiresGrad() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_requires_grad(handle(), out));
            return Native.readInt(out) != 0;
        }
    }

    /**
     * Whether the elements are laid out densely in row-major order.
     *
     * @return true if the memory is contiguous
     */
    public boolean isContiguous() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_is_contiguous(handle(), out));
            return Native.readInt(out) != 0;
        }
    }

    /**
     * Whether no element is NaN or infinite.
     *
     * @return true if every element is finite
     */
    public boolean allFinite() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_tensor_all_finite(handle(), out));
            return Native.readInt(out) != 0;
        }
    }

    /**
     * The value of a one-element tensor, converted to double.
     *
     * @return the single element
     * @throws Lora4jException if the tensor does not have exactly one element
     */
    public double item() {
        try (var f = Native.frame()) {
            MemorySegment out = f.doubleOut();
            Native.check(lora4j_h.l4j_tensor_item_double(handle(), out));
            return Native.readDouble(out);
        }
    }

    /**
     * The value of a one-element tensor, converted to long.
     *
     * @return the single element
     * @throws Lora4jException if the tensor does not have exactly one element
     */
    public long itemLong() {
        try (var f = Native.frame()) {
            MemorySegment out = f.longOut();
            Native.check(lora4j_h.l4j_tensor_item_int64(handle(), out));
            return Native.readLong(out);
        }
    }

    /**
     * Copies the elements, converted to {@code as}, into {@code dst} in row-major order.
     *
     * @param dst a heap or native segment of exactly numel × {@code as.byteSize()} bytes
     * @param as the element type to write
     * @throws Lora4jException if the size of {@code dst} does not match
     */
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

    /**
     * Copies the elements to the heap as floats.
     *
     * @return a new array of the elements in row-major order, converted to float32
     */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.FLOAT32);
        return out;
    }

    /**
     * Copies the elements to the heap as doubles.
     *
     * @return a new array of the elements in row-major order, converted to float64
     */
    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.FLOAT64);
        return out;
    }

    /**
     * Copies the elements to the heap as longs.
     *
     * @return a new array of the elements in row-major order, converted to int64
     */
    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.INT64);
        return out;
    }

    /**
     * Copies the elements to the heap as ints.
     *
     * @return a new array of the elements in row-major order, converted to int32
     */
    public int[] toIntArray() {
        int[] out = new int[Math.toIntExact(numel())];
        copyTo(MemorySegment.ofArray(out), DType.INT32);
        return out;
    }

    /**
     * Copies the elements to the heap as booleans.
     *
     * @return a new array of the elements in row-major order, true where an element is non-zero
     */
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

    /**
     * This tensor converted to another element type, on the same device.
     *
     * @param dtype the element type of the result
     * @return a new tensor (sharing memory with this one if nothing needs converting)
     */
    public Tensor to(DType dtype) {
        return to(dtype, device());
    }

    /**
     * This tensor moved to another device, with the same element type.
     *
     * @param device the device of the result
     * @return a new tensor (sharing memory with this one if it is already there)
     */
    public Tensor to(Device device) {
        return to(dtype(), device);
    }

    /**
     * This tensor converted to another element type and moved to another device.
     *
     * @param dtype the element type of the result
     * @param device the device of the result
     * @return a new tensor (sharing memory with this one if nothing changes)
     */
    public Tensor to(DType dtype, Device device) {
        return call((f, out) -> lora4j_h.l4j_tensor_to(handle(), dtype.code(), device.type().code, device.index(), out));
    }

    /**
     * This tensor laid out densely in row-major order.
     *
     * @return a new tensor (sharing memory with this one if it is already contiguous)
     */
    public Tensor contiguous() {
        return call((f, out) -> lora4j_h.l4j_tensor_contiguous(handle(), out));
    }

    /**
     * A copy with its own memory (PyTorch's {@code clone}); gradients flow back to this tensor.
     *
     * @return a new tensor holding a copy of the elements
     */
    public Tensor copy() {
        return call((f, out) -> lora4j_h.l4j_tensor_clone(handle(), out));
    }

    /**
     * A view of the same memory that autograd does not track.
     *
     * @return a new tensor sharing memory with this one, without gradient history
     */
    public Tensor detach() {
        return call((f, out) -> lora4j_h.l4j_tensor_detach(handle(), out));
    }

    /**
     * A view of the same memory with another shape.
     *
     * @param shape the new dimensions, with the same number of elements; one may be -1 to infer it
     * @return a new tensor sharing memory with this one
     */
    public Tensor view(long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_view(handle(), f.longs(shape), shape.length, out));
    }

    /**
     * The elements with another shape, as a view where possible and a copy otherwise.
     *
     * @param shape the new dimensions, with the same number of elements; one may be -1 to infer it
     * @return a new tensor of that shape
     */
    public Tensor reshape(long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_reshape(handle(), f.longs(shape), shape.length, out));
    }

    /**
     * A view with the dimensions reordered.
     *
     * @param dims a permutation of the dimension indices: result dimension i is this tensor's dimension
     *     dims[i]
     * @return a new tensor sharing memory with this one
     */
    public Tensor permute(long... dims) {
        return call((f, out) -> lora4j_h.l4j_tensor_permute(handle(), f.longs(dims), dims.length, out));
    }

    /**
     * A view with two dimensions swapped.
     *
     * @param dim0 the first dimension; negative values count from the end
     * @param dim1 the second dimension; negative values count from the end
     * @return a new tensor sharing memory with this one
     */
    public Tensor transpose(long dim0, long dim1) {
        return call((f, out) -> lora4j_h.l4j_tensor_transpose(handle(), dim0, dim1, out));
    }

    /**
     * A view of elements start, start + step, ... below end along one dimension.
     *
     * @param dim the dimension to slice
     * @param start the first index (inclusive)
     * @param end the index to stop below (exclusive; clamped to the size)
     * @param step the distance between kept indices; must be positive
     * @return a new tensor sharing memory with this one
     */
    public Tensor slice(long dim, long start, long end, long step) {
        return call((f, out) -> lora4j_h.l4j_tensor_slice(handle(), dim, start, end, step, out));
    }

    /**
     * A view of {@code length} consecutive elements along one dimension.
     *
     * @param dim the dimension to narrow
     * @param start the first index kept
     * @param length how many indices to keep; start + length must not exceed the size
     * @return a new tensor sharing memory with this one
     */
    public Tensor narrow(long dim, long start, long length) {
        return call((f, out) -> lora4j_h.l4j_tensor_narrow(handle(), dim, start, length, out));
    }

    /**
     * A view with a new dimension of size 1 inserted.
     *
     * @param dim the position of the new dimension, in 0..dim() (negative values count from the end)
     * @return a new tensor sharing memory with this one
     */
    public Tensor unsqueeze(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_unsqueeze(handle(), dim, out));
    }

    /**
     * A view with one dimension of size 1 removed; a dimension of another size is left as it is.
     *
     * @param dim the dimension to remove
     * @return a new tensor sharing memory with this one
     */
    public Tensor squeeze(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_squeeze(handle(), dim, out));
    }

    /**
     * A view broadcast to a larger shape without copying (size-1 dimensions repeat).
     *
     * @param shape the target dimensions; -1 keeps a dimension's size
     * @return a new tensor sharing memory with this one; do not write to it
     */
    public Tensor expand(long... shape) {
        return call((f, out) -> lora4j_h.l4j_tensor_expand(handle(), f.longs(shape), shape.length, out));
    }

    /**
     * Concatenates tensors along an existing dimension.
     *
     * @param dim the dimension to join along
     * @param tensors the tensors to join, in order; all other dimensions must match
     * @return a new tensor holding the concatenation
     */
    public static Tensor cat(long dim, Tensor... tensors) {
        return call((f, out) -> lora4j_h.l4j_tensor_cat(f.handles(tensors), tensors.length, dim, out));
    }

    /**
     * Stacks tensors of the same shape along a new dimension.
     *
     * @param dim the position of the new dimension
     * @param tensors the tensors to stack, in order; all must have the same shape
     * @return a new tensor with one more dimension, of size {@code tensors.length}
     */
    public static Tensor stack(long dim, Tensor... tensors) {
        return call((f, out) -> lora4j_h.l4j_tensor_stack(f.handles(tensors), tensors.length, dim, out));
    }

    /**
     * The entries at the given indices along one dimension.
     *
     * @param dim the dimension to index
     * @param index a 1-dim int64 (or int32) tensor of indices into that dimension
     * @return a new tensor whose size along {@code dim} is the number of indices
     */
    public Tensor indexSelect(long dim, Tensor index) {
        return call((f, out) -> lora4j_h.l4j_tensor_index_select(handle(), dim, index.handle(), out));
    }

    /**
     * Picks values along one dimension, as PyTorch's {@code gather}: out[i][j] = this[i][index[i][j]] for dim
     * 1.
     *
     * @param dim the dimension to gather along
     * @param index an int64 tensor with as many dimensions as this one; its shape is the result's
     * @return a new tensor shaped like {@code index}
     */
    public Tensor gather(long dim, Tensor index) {
        return call((f, out) -> lora4j_h.l4j_tensor_gather(handle(), dim, index.handle(), out));
    }

    /**
     * Repeats each entry along a dimension {@code repeats} times in a row.
     *
     * @param repeats how many copies of each entry
     * @param dim the dimension to repeat along
     * @return a new tensor whose size along {@code dim} is multiplied by {@code repeats}
     */
    public Tensor repeatInterleave(long repeats, long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_repeat_interleave(handle(), repeats, dim, out));
    }

    // ---- in-place updates --------------------------------------------------------------------------

    /**
     * Copies src's values into this tensor in place (broadcasting, converting dtype and device).
     *
     * @param src the values to copy; its shape must broadcast to this one
     * @return this tensor
     */
    public Tensor copyFrom(Tensor src) {
        Native.check(lora4j_h.l4j_tensor_copy_(handle(), src.handle()));
        return this;
    }

    /**
     * In place: this += alpha · src.
     *
     * @param src the tensor to add; its shape must broadcast to this one
     * @param alpha the factor applied to {@code src}
     * @return this tensor
     */
    public Tensor addInPlace(Tensor src, double alpha) {
        Native.check(lora4j_h.l4j_tensor_add_(handle(), src.handle(), alpha));
        return this;
    }

    /**
     * In place: this *= value.
     *
     * @param value the factor
     * @return this tensor
     */
    public Tensor mulInPlace(double value) {
        Native.check(lora4j_h.l4j_tensor_mul_scalar_(handle(), value));
        return this;
    }

    /**
     * In place: sets every element to one value.
     *
     * @param value the value, converted to this tensor's dtype
     * @return this tensor
     */
    public Tensor fill(double value) {
        Native.check(lora4j_h.l4j_tensor_fill_(handle(), value));
        return this;
    }

    /**
     * In place: fills with values drawn uniformly from [low, high).
     *
     * @param low the lower bound (inclusive)
     * @param high the upper bound (exclusive)
     * @param gen the generator to draw from, or null for libtorch's default generator
     * @return this tensor
     */
    public Tensor uniformInPlace(double low, double high, Generator gen) {
        Native.check(lora4j_h.l4j_tensor_uniform_(handle(), low, high, Generator.handleOrNull(gen)));
        return this;
    }

    /**
     * In place: fills with values drawn from a normal distribution.
     *
     * @param mean the mean of the distribution
     * @param std the standard deviation; must not be negative
     * @param gen the generator to draw from, or null for libtorch's default generator
     * @return this tensor
     */
    public Tensor normalInPlace(double mean, double std, Generator gen) {
        Native.check(lora4j_h.l4j_tensor_normal_(handle(), mean, std, Generator.handleOrNull(gen)));
        return this;
    }

    // ---- linear algebra ----------------------------------------------------------------------------

    /**
     * Matrix product with broadcasting of batch dimensions, as PyTorch's {@code matmul}.
     *
     * @param other the right operand; its second-to-last dimension (or only one) must equal this one's last
     * @return a new tensor holding this · other
     */
    public Tensor matmul(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_matmul(handle(), other.handle(), out));
    }

    /**
     * this · weightᵀ + bias, as a fully connected layer.
     *
     * @param weight the weight (out, in); {@code in} must equal this tensor's last dimension
     * @param bias the bias (out), or null for none
     * @return a new tensor shaped like this one with the last dimension replaced by {@code out}
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        return call((f, out) -> lora4j_h.l4j_tensor_linear(handle(), weight.handle(),
                bias == null ? MemorySegment.NULL : bias.handle(), out));
    }

    /**
     * beta · input + alpha · (a · b) for matrices.
     *
     * @param input the term to add; must broadcast to (n, p)
     * @param a the left matrix (n, m)
     * @param b the right matrix (m, p)
     * @param beta the factor on {@code input}
     * @param alpha the factor on the product
     * @return a new (n, p) tensor
     */
    public static Tensor addmm(Tensor input, Tensor a, Tensor b, double beta, double alpha) {
        return call((f, out) -> lora4j_h.l4j_tensor_addmm(input.handle(), a.handle(), b.handle(), beta, alpha, out));
    }

    /**
     * Batched matrix product of (b, n, m) and (b, m, p) tensors.
     *
     * @param other the right operand (b, m, p)
     * @return a new (b, n, p) tensor
     */
    public Tensor bmm(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_bmm(handle(), other.handle(), out));
    }

    // ---- elementwise -------------------------------------------------------------------------------

    /**
     * Elementwise sum, with broadcasting.
     *
     * @param other the tensor to add; its shape must broadcast with this one
     * @return a new tensor holding this + other
     */
    public Tensor add(Tensor other) {
        return add(other, 1.0);
    }

    /**
     * Elementwise this + alpha · other, with broadcasting.
     *
     * @param other the tensor to add; its shape must broadcast with this one
     * @param alpha the factor applied to {@code other}
     * @return a new tensor holding the sum
     */
    public Tensor add(Tensor other, double alpha) {
        return call((f, out) -> lora4j_h.l4j_tensor_add(handle(), other.handle(), alpha, out));
    }

    /**
     * Elementwise difference, with broadcasting.
     *
     * @param other the tensor to subtract; its shape must broadcast with this one
     * @return a new tensor holding this - other
     */
    public Tensor sub(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_sub(handle(), other.handle(), 1.0, out));
    }

    /**
     * Elementwise product, with broadcasting.
     *
     * @param other the factor; its shape must broadcast with this one
     * @return a new tensor holding this · other
     */
    public Tensor mul(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_mul(handle(), other.handle(), out));
    }

    /**
     * Elementwise true division, with broadcasting.
     *
     * @param other the divisor; its shape must broadcast with this one
     * @return a new tensor holding this / other
     */
    public Tensor div(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_div(handle(), other.handle(), out));
    }

    /**
     * Elementwise maximum, with broadcasting.
     *
     * @param other the tensor to compare with; its shape must broadcast with this one
     * @return a new tensor holding the larger of each pair
     */
    public Tensor maximum(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_maximum(handle(), other.handle(), out));
    }

    /**
     * Elementwise minimum, with broadcasting.
     *
     * @param other the tensor to compare with; its shape must broadcast with this one
     * @return a new tensor holding the smaller of each pair
     */
    public Tensor minimum(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_minimum(handle(), other.handle(), out));
    }

    /**
     * Adds a scalar to every element.
     *
     * @param value the scalar to add
     * @return a new tensor holding this + value
     */
    public Tensor add(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_add_scalar(handle(), value, out));
    }

    /**
     * Subtracts a scalar from every element.
     *
     * @param value the scalar to subtract
     * @return a new tensor holding this - value
     */
    public Tensor sub(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_sub_scalar(handle(), value, out));
    }

    /**
     * Multiplies every element by a scalar.
     *
     * @param value the factor
     * @return a new tensor holding this · value
     */
    public Tensor mul(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_mul_scalar(handle(), value, out));
    }

    /**
     * Divides every element by a scalar (true division, as Python's {@code /}).
     *
     * @param value the divisor
     * @return a new tensor holding this / value
     */
    public Tensor div(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_div_scalar(handle(), value, out));
    }

    /**
     * Raises every element to a power.
     *
     * @param exponent the power
     * @return a new tensor holding this ^ exponent
     */
    public Tensor pow(double exponent) {
        return call((f, out) -> lora4j_h.l4j_tensor_pow_scalar(handle(), exponent, out));
    }

    /**
     * Elementwise negation.
     *
     * @return a new tensor holding -this
     */
    public Tensor neg() {
        return call((f, out) -> lora4j_h.l4j_tensor_neg(handle(), out));
    }

    /**
     * Elementwise absolute value.
     *
     * @return a new tensor holding |this|
     */
    public Tensor abs() {
        return call((f, out) -> lora4j_h.l4j_tensor_abs(handle(), out));
    }

    /**
     * Elementwise square root.
     *
     * @return a new tensor holding √this (NaN for negative elements)
     */
    public Tensor sqrt() {
        return call((f, out) -> lora4j_h.l4j_tensor_sqrt(handle(), out));
    }

    /**
     * Elementwise reciprocal square root.
     *
     * @return a new tensor holding 1 / √this
     */
    public Tensor rsqrt() {
        return call((f, out) -> lora4j_h.l4j_tensor_rsqrt(handle(), out));
    }

    /**
     * Elementwise exponential.
     *
     * @return a new tensor holding e^this
     */
    public Tensor exp() {
        return call((f, out) -> lora4j_h.l4j_tensor_exp(handle(), out));
    }

    /**
     * Elementwise natural logarithm.
     *
     * @return a new tensor holding ln(this)
     */
    public Tensor log() {
        return call((f, out) -> lora4j_h.l4j_tensor_log(handle(), out));
    }

    /**
     * Elementwise hyperbolic tangent.
     *
     * @return a new tensor holding tanh(this)
     */
    public Tensor tanh() {
        return call((f, out) -> lora4j_h.l4j_tensor_tanh(handle(), out));
    }

    /**
     * Elementwise logistic sigmoid.
     *
     * @return a new tensor holding 1 / (1 + e^-this)
     */
    public Tensor sigmoid() {
        return call((f, out) -> lora4j_h.l4j_tensor_sigmoid(handle(), out));
    }

    /**
     * Elementwise ReLU.
     *
     * @return a new tensor holding max(this, 0)
     */
    public Tensor relu() {
        return call((f, out) -> lora4j_h.l4j_tensor_relu(handle(), out));
    }

    /**
     * Elementwise exact GELU (with erf).
     *
     * @return a new tensor holding gelu(this)
     */
    public Tensor gelu() {
        return call((f, out) -> lora4j_h.l4j_tensor_gelu(handle(), lora4j_h.L4J_GELU_NONE(), out));
    }

    /**
     * Elementwise GELU with the tanh approximation (Hugging Face's gelu_new, used by FLAN-T5).
     *
     * @return a new tensor holding the approximate gelu(this)
     */
    public Tensor geluTanh() {
        return call((f, out) -> lora4j_h.l4j_tensor_gelu(handle(), lora4j_h.L4J_GELU_TANH(), out));
    }

    /**
     * gelu(this) · other (broadcasting), the gated feed-forward product, as one autograd node: it keeps this
     * and other for the backward and recomputes gelu(this) there, where {@code gelu().mul(other)} would
     * keep gelu(this) as well. Same values and gradients as that composition.
     *
     * @param other the gate's partner
     * @param tanh  the tanh approximation (gelu_new) instead of the exact erf GELU
     * @return a new tensor holding gelu(this) · other
     */
    public Tensor geluMul(Tensor other, boolean tanh) {
        return call((f, out) -> lora4j_h.l4j_tensor_gelu_mul(handle(), other.handle(),
                tanh ? lora4j_h.L4J_GELU_TANH() : lora4j_h.L4J_GELU_NONE(), out));
    }

    /**
     * Clamps every element to [min, max].
     *
     * @param min the lower bound; negative infinity for none
     * @param max the upper bound; positive infinity for none
     * @return a new tensor with the clamped values
     */
    public Tensor clamp(double min, double max) {
        return call((f, out) -> lora4j_h.l4j_tensor_clamp(handle(), min, max, out));
    }

    /**
     * Elementwise test for finite values.
     *
     * @return a new bool tensor, true where an element is neither NaN nor infinite
     */
    public Tensor isFinite() {
        return call((f, out) -> lora4j_h.l4j_tensor_isfinite(handle(), out));
    }

    // ---- comparison and masking --------------------------------------------------------------------

    /**
     * Elementwise equality, with broadcasting.
     *
     * @param other the tensor to compare with
     * @return a new bool tensor, true where this == other
     */
    public Tensor eq(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_eq(handle(), other.handle(), out));
    }

    /**
     * Elementwise inequality, with broadcasting.
     *
     * @param other the tensor to compare with
     * @return a new bool tensor, true where this != other
     */
    public Tensor ne(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_ne(handle(), other.handle(), out));
    }

    /**
     * Elementwise less-than, with broadcasting.
     *
     * @param other the tensor to compare with
     * @return a new bool tensor, true where this &lt; other
     */
    public Tensor lt(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_lt(handle(), other.handle(), out));
    }

    /**
     * Elementwise less-or-equal, with broadcasting.
     *
     * @param other the tensor to compare with
     * @return a new bool tensor, true where this &lt;= other
     */
    public Tensor le(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_le(handle(), other.handle(), out));
    }

    /**
     * Elementwise greater-than, with broadcasting.
     *
     * @param other the tensor to compare with
     * @return a new bool tensor, true where this &gt; other
     */
    public Tensor gt(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_gt(handle(), other.handle(), out));
    }

    /**
     * Elementwise greater-or-equal, with broadcasting.
     *
     * @param other the tensor to compare with
     * @return a new bool tensor, true where this &gt;= other
     */
    public Tensor ge(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_ge(handle(), other.handle(), out));
    }

    /**
     * Elementwise equality with a scalar.
     *
     * @param value the scalar to compare with
     * @return a new bool tensor, true where this == value
     */
    public Tensor eq(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_eq_scalar(handle(), value, out));
    }

    /**
     * Elementwise inequality with a scalar.
     *
     * @param value the scalar to compare with
     * @return a new bool tensor, true where this != value
     */
    public Tensor ne(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_ne_scalar(handle(), value, out));
    }

    /**
     * Elementwise less-than a scalar.
     *
     * @param value the scalar to compare with
     * @return a new bool tensor, true where this &lt; value
     */
    public Tensor lt(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_lt_scalar(handle(), value, out));
    }

    /**
     * Elementwise less-or-equal a scalar.
     *
     * @param value the scalar to compare with
     * @return a new bool tensor, true where this &lt;= value
     */
    public Tensor le(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_le_scalar(handle(), value, out));
    }

    /**
     * Elementwise greater-than a scalar.
     *
     * @param value the scalar to compare with
     * @return a new bool tensor, true where this &gt; value
     */
    public Tensor gt(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_gt_scalar(handle(), value, out));
    }

    /**
     * Elementwise greater-or-equal a scalar.
     *
     * @param value the scalar to compare with
     * @return a new bool tensor, true where this &gt;= value
     */
    public Tensor ge(double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_ge_scalar(handle(), value, out));
    }

    /**
     * Elementwise logical and, with broadcasting (non-zero counts as true).
     *
     * @param other the other operand
     * @return a new bool tensor
     */
    public Tensor logicalAnd(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_logical_and(handle(), other.handle(), out));
    }

    /**
     * Elementwise logical or, with broadcasting (non-zero counts as true).
     *
     * @param other the other operand
     * @return a new bool tensor
     */
    public Tensor logicalOr(Tensor other) {
        return call((f, out) -> lora4j_h.l4j_tensor_logical_or(handle(), other.handle(), out));
    }

    /**
     * Elementwise logical not (non-zero counts as true).
     *
     * @return a new bool tensor, true where this is zero
     */
    public Tensor logicalNot() {
        return call((f, out) -> lora4j_h.l4j_tensor_logical_not(handle(), out));
    }

    /**
     * This tensor with {@code value} wherever the mask is true.
     *
     * @param mask a bool tensor whose shape broadcasts to this one
     * @param value the value to put where {@code mask} is true
     * @return a new tensor; this one is unchanged
     */
    public Tensor maskedFill(Tensor mask, double value) {
        return call((f, out) -> lora4j_h.l4j_tensor_masked_fill(handle(), mask.handle(), value, out));
    }

    /**
     * Elementwise {@code condition ? a : b}, with broadcasting.
     *
     * @param condition a bool tensor choosing between the two
     * @param a the values taken where {@code condition} is true
     * @param b the values taken where {@code condition} is false
     * @return a new tensor of the broadcast shape
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return call((f, out) -> lora4j_h.l4j_tensor_where(condition.handle(), a.handle(), b.handle(), out));
    }

    /**
     * The upper triangle of the last two dimensions; the rest set to 0.
     *
     * @param diagonal which diagonal to keep from: 0 the main one, positive values above it, negative below
     * @return a new tensor
     */
    public Tensor triu(long diagonal) {
        return call((f, out) -> lora4j_h.l4j_tensor_triu(handle(), diagonal, out));
    }

    /**
     * The lower triangle of the last two dimensions; the rest set to 0.
     *
     * @param diagonal which diagonal to keep up to: 0 the main one, positive values above it, negative below
     * @return a new tensor
     */
    public Tensor tril(long diagonal) {
        return call((f, out) -> lora4j_h.l4j_tensor_tril(handle(), diagonal, out));
    }

    // ---- reductions --------------------------------------------------------------------------------

    /**
     * Sum of all elements.
     *
     * @return a new 0-dim tensor
     */
    public Tensor sum() {
        return call((f, out) -> lora4j_h.l4j_tensor_sum(handle(), MemorySegment.NULL, 0, 0, out));
    }

    /**
     * Sum over the given dimensions.
     *
     * @param keepDim whether the reduced dimensions stay, with size 1
     * @param dims the dimensions to reduce; at least one (use {@link #sum()} for all)
     * @return a new tensor
     * @throws Lora4jException if no dimension is given
     */
    public Tensor sum(boolean keepDim, long... dims) {
        requireDims("sum", dims);
        return call((f, out) -> lora4j_h.l4j_tensor_sum(handle(), f.longs(dims), dims.length, keepDim ? 1 : 0, out));
    }

    /**
     * Mean of all elements.
     *
     * @return a new 0-dim tensor
     */
    public Tensor mean() {
        return call((f, out) -> lora4j_h.l4j_tensor_mean(handle(), MemorySegment.NULL, 0, 0, out));
    }

    /**
     * Mean over the given dimensions.
     *
     * @param keepDim whether the reduced dimensions stay, with size 1
     * @param dims the dimensions to reduce; at least one (use {@link #mean()} for all)
     * @return a new tensor
     * @throws Lora4jException if no dimension is given
     */
    public Tensor mean(boolean keepDim, long... dims) {
        requireDims("mean", dims);
        return call((f, out) -> lora4j_h.l4j_tensor_mean(handle(), f.longs(dims), dims.length, keepDim ? 1 : 0, out));
    }

    private static void requireDims(String op, long[] dims) {
        if (dims.length == 0) {
            throw new Lora4jException(op, "no dimensions given; use " + op + "() to reduce over all elements");
        }
    }

    /**
     * Maximum along a dimension, with the indices where it occurs.
     *
     * @param dim the dimension to reduce
     * @param keepDim whether the reduced dimension stays, with size 1
     * @return the maxima and their int64 indices, two new tensors the pair owns
     */
    public Pair max(long dim, boolean keepDim) {
        return callPair((values, indices) -> lora4j_h.l4j_tensor_max_dim(handle(), dim, keepDim ? 1 : 0, values, indices));
    }

    /**
     * Maximum of all elements.
     *
     * @return a new 0-dim tensor
     */
    public Tensor max() {
        return call((f, out) -> lora4j_h.l4j_tensor_max_all(handle(), out));
    }

    /**
     * Indices of the maxima along a dimension.
     *
     * @param dim the dimension to reduce
     * @param keepDim whether the reduced dimension stays, with size 1
     * @return a new int64 tensor of indices
     */
    public Tensor argmax(long dim, boolean keepDim) {
        return call((f, out) -> lora4j_h.l4j_tensor_argmax(handle(), dim, keepDim ? 1 : 0, out));
    }

    /**
     * The k largest (or smallest) entries along a dimension, with their indices.
     *
     * @param k how many entries to return; at most the size of {@code dim}
     * @param dim the dimension to search
     * @param largest true for the largest entries, false for the smallest
     * @param sorted whether the entries come in order (best first)
     * @return the values and their int64 indices, two new tensors the pair owns
     */
    public Pair topk(long k, long dim, boolean largest, boolean sorted) {
        return callPair((values, indices) -> lora4j_h.l4j_tensor_topk(handle(), k, dim, largest ? 1 : 0,
                sorted ? 1 : 0, values, indices));
    }

    /**
     * Softmax along a dimension.
     *
     * @param dim the dimension whose entries are normalised to sum to 1
     * @return a new tensor of the same shape
     */
    public Tensor softmax(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_softmax(handle(), dim, out));
    }

    /**
     * Log of the softmax along a dimension, computed stably.
     *
     * @param dim the dimension to normalise over
     * @return a new tensor of the same shape
     */
    public Tensor logSoftmax(long dim) {
        return call((f, out) -> lora4j_h.l4j_tensor_log_softmax(handle(), dim, out));
    }

    // ---- autograd ----------------------------------------------------------------------------------

    /**
     * Marks this (leaf) tensor as a parameter whose gradient is accumulated, or unmarks it.
     *
     * @param requiresGrad whether autograd should track this tensor
     * @return this tensor
     */
    public Tensor requiresGrad(boolean requiresGrad) {
        Native.check(lora4j_h.l4j_tensor_set_requires_grad(handle(), requiresGrad ? 1 : 0));
        return this;
    }

    /** Backpropagates from this one-element tensor, accumulating gradients in the leaves. */
    public void backward() {
        Native.check(lora4j_h.l4j_tensor_backward(handle(), MemorySegment.NULL, 0));
    }

    /**
     * Backpropagates with the given upstream gradient, accumulating gradients in the leaves.
     *
     * @param grad the gradient of the output, shaped like this tensor; may be null if this has one element
     * @param retainGraph whether to keep the graph for another backward pass
     */
    public void backward(Tensor grad, boolean retainGraph) {
        Native.check(lora4j_h.l4j_tensor_backward(handle(), grad == null ? MemorySegment.NULL : grad.handle(),
                retainGraph ? 1 : 0));
    }

    /**
     * The accumulated gradient of this leaf tensor.
     *
     * @return a new tensor sharing the gradient's memory, or null if there is none
     */
    public Tensor grad() {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_tensor_grad(handle(), out));
            MemorySegment h = Native.readPointer(out);
            return h.equals(MemorySegment.NULL) ? null : adopt(h);
        }
    }

    /** Drops the accumulated gradient (PyTorch's set-to-none), so {@link #grad()} returns null. */
    public void zeroGrad() {
        Native.check(lora4j_h.l4j_tensor_zero_grad(handle()));
    }
}
