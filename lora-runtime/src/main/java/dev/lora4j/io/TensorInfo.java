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
 */
public record TensorInfo(String name, DType dtype, long[] shape, long byteOffset, long byteLength) {
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The element count; 1 for a scalar (shape []), 0 when any dimension is 0. */
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
