package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import dev.lora4j.internal.Native;
import dev.lora4j.bindings.lora4j_h;

import java.lang.foreign.MemorySegment;

/**
 * CUDA device queries. Where libtorch has no CUDA or no device is visible, {@link #deviceCount()}
 * is 0 and the others throw {@link Lora4jException} saying "CUDA not available".
 */
public final class Cuda {
    private Cuda() {}

    /**
     * The number of CUDA devices libtorch can see.
     *
     * @return the device count; 0 when libtorch has no CUDA or no device is visible
     */
    public static int deviceCount() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_cuda_device_count(out));
            return Native.readInt(out);
        }
    }

    /**
     * Whether at least one CUDA device can be used.
     *
     * @return true if {@link #deviceCount()} is positive
     */
    public static boolean isAvailable() {
        return deviceCount() > 0;
    }

    /**
     * Waits for all work queued on a device to finish.
     *
     * @param device the CUDA device index; -1 for the current one
     */
    public static void synchronize(int device) {
        NativeLibrary.ensureLoaded();
        Native.check(lora4j_h.l4j_cuda_synchronize(device));
    }

    /**
     * Bytes held by tensors on a device now.
     *
     * @param device the CUDA device index; -1 for the current one
     * @return the bytes libtorch's caching allocator has handed out to live tensors
     */
    public static long memoryAllocated(int device) {
        try (var f = Native.frame()) {
            MemorySegment out = f.longOut();
            Native.check(lora4j_h.l4j_cuda_memory_allocated(device, out));
            return Native.readLong(out);
        }
    }

    /**
     * The most bytes held by tensors on a device since the last {@link #resetPeakMemory}.
     *
     * @param device the CUDA device index; -1 for the current one
     * @return the peak of {@link #memoryAllocated} in bytes
     */
    public static long maxMemoryAllocated(int device) {
        try (var f = Native.frame()) {
            MemorySegment out = f.longOut();
            Native.check(lora4j_h.l4j_cuda_max_memory_allocated(device, out));
            return Native.readLong(out);
        }
    }

    /**
     * Starts a new peak for {@link #maxMemoryAllocated} from the memory held now.
     *
     * @param device the CUDA device index; -1 for the current one
     */
    public static void resetPeakMemory(int device) {
        NativeLibrary.ensureLoaded();
        Native.check(lora4j_h.l4j_cuda_reset_peak_memory(device));
    }
}
