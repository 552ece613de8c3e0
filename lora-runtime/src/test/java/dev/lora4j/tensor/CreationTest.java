package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Creation, queries and host copies, checked against closed forms. */
class CreationTest {

    @Test
    void constantFillsAndRanges() {
        try (Scope scope = Scope.open()) {
            Tensor z = Tensor.zeros(2, 3);
            assertArrayEquals(new long[] {2, 3}, z.shape());
            assertEquals(DType.FLOAT32, z.dtype());
            assertEquals(Device.CPU, z.device());
            assertArrayEquals(new float[6], z.toFloatArray());
            assertArrayEquals(new double[] {1, 1, 1, 1}, Tensor.ones(DType.FLOAT64, Device.CPU, 2, 2).toDoubleArray());
            assertArrayEquals(new long[] {7, 7, 7}, Tensor.full(7, DType.INT64, Device.CPU, 3).toLongArray());
            assertArrayEquals(new long[] {0, 1, 2, 3, 4}, Tensor.arange(5).toLongArray());
            assertArrayEquals(new double[] {1, 1.5, 2, 2.5}, Tensor.arange(1, 3, 0.5, DType.FLOAT64, Device.CPU).toDoubleArray());
            Tensor s = Tensor.scalar(2.5);
            assertEquals(0, s.dim());
            assertEquals(1, s.numel());
            assertEquals(2.5, s.item());
            assertEquals(0, Tensor.zeros(0, 4).numel());
            assertArrayEquals(new long[] {3, 4}, Tensor.empty(DType.BFLOAT16, Device.CPU, 3, 4).shape());
            assertTrue(z.isContiguous());
            assertFalse(z.transpose(0, 1).isContiguous());
        }
    }

    @Test
    void everyDtypeRoundTripsThroughHostMemory() {
        try (Scope scope = Scope.open()) {
            assertArrayEquals(new int[] {1, -2, 3}, Tensor.of(new int[] {1, -2, 3}, 3).toIntArray());
            assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, Tensor.of(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, 2).toLongArray());
            assertArrayEquals(new boolean[] {true, false, true}, Tensor.of(new boolean[] {true, false, true}, 3).toBooleanArray());
            // Values exactly representable in every floating type survive each conversion.
            float[] exact = {0.5f, -2f, 1024f, 0.125f};
            for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16, DType.FLOAT64, DType.INT64, DType.INT32}) {
                float[] in = t == DType.INT64 || t == DType.INT32 ? new float[] {1, -2, 1024, 3} : exact;
                Tensor converted = Tensor.of(in, 4).to(t);
                assertEquals(t, converted.dtype());
                assertArrayEquals(in, converted.toFloatArray(), t.toString());
            }
            for (DType t : new DType[] {DType.INT16, DType.INT8, DType.UINT8}) {
                assertArrayEquals(new long[] {1, 2, 100}, Tensor.of(new long[] {1, 2, 100}, 3).to(t).toLongArray(), t.toString());
            }
            // bfloat16 keeps 8 mantissa bits: 1 + 2^-9 rounds to 1.
            assertEquals(1.0f, Tensor.of(new float[] {1 + 1f / 512}, 1).to(DType.BFLOAT16).toFloatArray()[0]);
        }
    }

    @Test
    void copyingFromNativeMemoryAndWrappingWithoutACopy() {
        try (Arena arena = Arena.ofConfined(); Scope scope = Scope.open()) {
            MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4, 5, 6);
            Tensor copied = Tensor.of(data, DType.FLOAT32, Device.CPU, 2, 3);
            Tensor wrapped = Tensor.wrap(data, DType.FLOAT32, 2, 3);
            data.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 100f);
            assertEquals(1f, copied.toFloatArray()[0], "a copy does not see later writes");
            assertEquals(100f, wrapped.toFloatArray()[0], "a wrapped tensor reads the caller's memory");
            assertThrows(Lora4jException.class, () -> Tensor.wrap(MemorySegment.ofArray(new float[6]), DType.FLOAT32, 2, 3));
            assertThrows(Lora4jException.class, () -> Tensor.wrap(data, DType.FLOAT32, 4, 3));
            MemorySegment dst = arena.allocate(6 * 8);
            copied.copyTo(dst, DType.FLOAT64);
            assertEquals(6.0, dst.getAtIndex(ValueLayout.JAVA_DOUBLE, 5));
            assertThrows(Lora4jException.class, () -> copied.copyTo(arena.allocate(5), DType.FLOAT32));
        }
    }

    @Test
    void inPlaceUpdates() {
        try (Scope scope = Scope.open()) {
            Tensor t = Tensor.zeros(3);
            t.fill(2).mulInPlace(3).addInPlace(Tensor.of(new float[] {1, 2, 3}, 3), 2);
            assertArrayEquals(new float[] {8, 10, 12}, t.toFloatArray());
            t.copyFrom(Tensor.of(new double[] {1, 2, 3}, 3));
            assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray());
            try (Generator gen = new Generator(3)) {
                Tensor u = Tensor.zeros(10_000).uniformInPlace(-2, 2, gen);
                assertTrue(u.ge(-2).logicalAnd(u.lt(2)).to(DType.INT64).sum().itemLong() == 10_000);
                Tensor n = Tensor.zeros(DType.FLOAT64, Device.CPU, 100_000).normalInPlace(1, 3, gen);
                assertEquals(1.0, n.mean().item(), 0.05);
                assertEquals(9.0, n.sub(1).pow(2).mean().item(), 0.2);
            }
        }
    }

    @Test
    void devices() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(1), Device.parse("CUDA:1"));
        assertEquals("cuda", Device.parse("cuda").toString());
        assertThrows(Lora4jException.class, () -> Device.parse("tpu"));
        assertThrows(Lora4jException.class, () -> new Device(Device.Type.CPU, 3));
    }
}
