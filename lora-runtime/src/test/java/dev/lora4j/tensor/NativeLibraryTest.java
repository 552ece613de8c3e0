package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.bindings.lora4j_h;
import org.junit.jupiter.api.Test;

class NativeLibraryTest {

    @Test
    void loadsTheLibraryBuiltAgainstThePinnedTorch() {
        assertTrue(NativeLibrary.ensureLoaded().toString().endsWith(NativeLibrary.FILE_NAME));
        assertEquals(lora4j_h.L4J_ABI_VERSION(), lora4j_h.l4j_abi_version());
        assertTrue(NativeLibrary.torchVersion().startsWith("2.11.0"), NativeLibrary.torchVersion());
    }

    @Test
    void threadCountCanBeSetAndRead() {
        int before = NativeLibrary.numThreads();
        try {
            NativeLibrary.setNumThreads(1);
            assertEquals(1, NativeLibrary.numThreads());
            assertThrows(Lora4jException.class, () -> NativeLibrary.setNumThreads(0));
        } finally {
            NativeLibrary.setNumThreads(before);
        }
    }

    /**
     * Without a GPU, CUDA queries answer through the normal error path. On a GPU machine the same test
     * checks that they work instead.
     */
    @Test
    void cudaQueriesAnswerEitherWay() {
        if (Cuda.deviceCount() == 0) {
            assertEquals(false, Cuda.isAvailable());
            for (Runnable call : new Runnable[] {() -> Cuda.synchronize(0), () -> Cuda.memoryAllocated(0),
                    () -> Cuda.maxMemoryAllocated(-1), () -> Cuda.resetPeakMemory(0)}) {
                Lora4jException e = assertThrows(Lora4jException.class, call::run);
                assertTrue(e.getMessage().contains("CUDA not available"), e.getMessage());
            }
            try (Scope scope = Scope.open()) {
                Tensor t = Tensor.ones(2);
                Lora4jException e = assertThrows(Lora4jException.class, () -> t.to(Device.cuda(0)));
                assertEquals("tensor_to", e.op());
            }
        } else {
            try (Scope scope = Scope.open()) {
                Cuda.resetPeakMemory(0);
                Tensor t = Tensor.ones(DType.FLOAT32, Device.cuda(0), 1024, 1024);
                Cuda.synchronize(0);
                assertTrue(Cuda.memoryAllocated(0) >= 4L << 20);
                assertTrue(Cuda.maxMemoryAllocated(0) >= 4L << 20);
                assertEquals(Device.Type.CUDA, t.device().type());
                assertEquals(1024 * 1024, t.sum().to(Device.CPU).item());
            }
        }
    }
}
