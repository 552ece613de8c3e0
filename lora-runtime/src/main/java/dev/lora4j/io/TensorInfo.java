package dev.lora4j.io;

import dev.lora4j.tensor.DType;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives in a safetensors file. {@code byteOffset} counts from the first byte of the
 * file (not from the start of the data region), so it is also the tensor's offset in a mapping of the
 * whole file. Data is C-ordered (row-major) and little-endian, as the format prescribes.
 *
 * <p>The shape array is copied in and out so a record can never be changed after validation.
 *
 * @param name       the tensor's name in the file; not null
 * @param dtype      the element type; not null
 * @param shape      the dimensions, outermost first; empty for a scalar
 * @param byteOffset the first byte of the data, counted from the start of the file
 * @param byteLength the number of bytes of data: the element count times the dtype size
 */
public record TensorInfo(String name, DType dtype, long[] shape, long byteOffset, long byteLength) {
    /**
     * Copies the shape.
     *
     * @throws NullPointerException when {@code name}, {@code dtype} or {@code shape} is null
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /**
     * The dimensions, outermost first.
     *
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The number of dimensions.
     *
     * @return 0 for a scalar, else the length of the shape
     */
    public int rank() {
        return shape.length;
    }

    /**
     * The element count; 1 for a scalar (shape []), 0 when any dimension is 0.
     *
     * @return the product of the dimensions
     */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d; // validated against overflow when the header was read
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && byteOffset == t.byteOffset
                && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), byteOffset, byteLength);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + ", " + dtype.safetensorsName() + ", " + Arrays.toString(shape)
                + ", offset=" + byteOffset + ", length=" + byteLength + "]";
    }
}
