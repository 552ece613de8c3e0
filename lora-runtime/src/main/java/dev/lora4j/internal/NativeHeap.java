package dev.lora4j.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Internal to lora4j: hands freed native heap memory back to the operating system. libtorch's CPU tensors
 * come from glibc's malloc, which keeps freed memory in its heap for reuse; after a bulk free (a float32 model
 * quantized to 4 bits frees most of its weights) that memory would stay in the process's resident set
 * until reused. glibc's {@code malloc_trim} releases it; where the C library has no such function (not glibc),
 * nothing happens.
 */
public final class NativeHeap {
    private static final MethodHandle MALLOC_TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(address -> Linker.nativeLinker().downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
            .orElse(null);

    private NativeHeap() {}

    /**
     * Releases the free memory at the top and in the middle of the native heap (glibc's {@code malloc_trim(0)}).
     *
     * @return true when the C library has the function and released some memory; false when it released
     *     none or the C library is not glibc
     */
    public static boolean trim() {
        if (MALLOC_TRIM == null) {
            return false;
        }
        try {
            return (int) MALLOC_TRIM.invokeExact(0L) != 0;
        } catch (Throwable t) {
            throw new IllegalStateException("malloc_trim failed", t);
        }
    }

    /**
     * Whether {@link #trim} can do anything here.
     *
     * @return true when the C library has {@code malloc_trim} (glibc)
     */
    public static boolean available() {
        return MALLOC_TRIM != null;
    }
}
