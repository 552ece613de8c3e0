package dev.lora4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * 10,000 create/op/close iterations: the live count returns to its baseline, the bytes malloc holds
 * for libtorch stay flat, and so does RSS once the Java heap's own growth is set aside.
 */
class MemoryLeakTest {
    private static final int ITERATIONS = 10_000;

    private static void iteration(int i) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.of(new float[64 * 64], 64, 64);               // 16 KiB each
            Tensor b = a.add(1).mul(a).matmul(a.transpose(0, 1)).softmax(-1);
            Tensor grad = Tensor.ones(4).requiresGrad(true);
            grad.mul(grad).sum().backward();
            try (Tensor g = grad.grad()) {
                g.numel();
            }
            b.sum().item();
            if (i % 2 == 0) {
                scope.keep(b.detach()).close();
            }
        }
    }

    @Test
    void liveCountNativeHeapAndResidentMemoryStayFlat() throws Throwable {
        long baseline = NativeLibrary.liveTensors();
        for (int i = 0; i < 2000; i++) {
            iteration(i); // warm up: allocator pools, JIT
        }
        // Two equal phases: a leak grows malloc's in-use bytes in both by the same amount, while the
        // JVM's own one-off C-heap use (JIT arenas, class data) does not repeat in the second.
        System.gc();
        long m0 = mallocInUse();
        long rss0 = residentBytes();
        long heap0 = heapCommitted();
        for (int i = 0; i < ITERATIONS / 2; i++) {
            iteration(i);
        }
        System.gc();
        long m1 = mallocInUse();
        for (int i = 0; i < ITERATIONS / 2; i++) {
            iteration(i);
        }
        System.gc();
        long m2 = mallocInUse();
        long rssGrowth = residentBytes() - rss0 - Math.max(0, heapCommitted() - heap0);
        System.out.printf("MemoryLeakTest: %d iterations, malloc in-use growth %d KiB then %d KiB, RSS growth less heap %d KiB%n",
                ITERATIONS, (m1 - m0) >> 10, (m2 - m1) >> 10, rssGrowth >> 10);
        assertEquals(baseline, NativeLibrary.liveTensors(), "live tensors after " + ITERATIONS + " iterations");
        // Each iteration allocates ~100 KiB natively. Leaking one 16 KiB tensor per iteration would add
        // 80 MiB per phase; the bound (16 MiB) leaves room for the JVM's own C-heap noise, seen at ±4 MiB.
        // Handle-level leaks (a tensor kept alive) are caught exactly by the live count above.
        assertTrue(m2 - m1 < 16L << 20, "malloc in-use bytes grew by " + (m2 - m1) + " in the second phase");
        assertTrue(rssGrowth < 96L << 20, "RSS (less Java heap growth) grew by " + rssGrowth);
    }

    /** Bytes malloc has handed out and not taken back (glibc mallinfo2: uordblks + hblkhd). */
    private static long mallocInUse() throws Throwable {
        Linker linker = Linker.nativeLinker();
        // struct mallinfo2: ten size_t fields (arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks,
        // uordblks, fordblks, keepcost).
        MemoryLayout[] fields = new MemoryLayout[10];
        java.util.Arrays.fill(fields, ValueLayout.JAVA_LONG);
        MemoryLayout info = MemoryLayout.structLayout(fields);
        MemorySegment fn = linker.defaultLookup().find("mallinfo2").orElseThrow(
                () -> new IllegalStateException("mallinfo2 not found: this test needs glibc 2.33+"));
        MethodHandle mallinfo2 = linker.downcallHandle(fn, FunctionDescriptor.of(info));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment result = (MemorySegment) mallinfo2.invokeExact((java.lang.foreign.SegmentAllocator) arena);
            long hblkhd = result.getAtIndex(ValueLayout.JAVA_LONG, 4);
            long uordblks = result.getAtIndex(ValueLayout.JAVA_LONG, 7);
            return hblkhd + uordblks;
        }
    }

    private static long heapCommitted() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
