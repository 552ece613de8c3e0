package dev.lora4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** NativeHeap reaches glibc's malloc_trim where the C library is glibc, and is a no-op elsewhere. */
class NativeHeapTest {
    @Test
    void trimsWhereTheCLibraryIsGlibc() throws Exception {
        boolean glibc = Files.exists(Path.of("/proc/self/maps"))
                && Files.readString(Path.of("/proc/self/maps")).contains("libc.so.6");
        assertEquals(glibc, NativeHeap.available(), "malloc_trim found exactly where glibc is loaded");
        if (!glibc) {
            assertFalse(NativeHeap.trim());
            return;
        }
        // Whether anything is released depends on what the JVM's own threads freed just now; it must not fail.
        NativeHeap.trim();
        NativeHeap.trim();
        assertTrue(NativeHeap.available());
    }
}
