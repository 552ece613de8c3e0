package dev.lora4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.testing.NativeLeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** 10,000 create/op/close iterations: the live count returns to its baseline and RSS stays flat. */
@ExtendWith(NativeLeakCheck.class)
class MemoryLeakTest {
    private static final int ITERATIONS = 10_000;

    private static void iteration(int i) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.of(new float[256 * 256], 256, 256);        // 256 KiB each
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
    void liveCountAndResidentMemoryStayFlat() throws IOException {
        long baseline = NativeLibrary.liveTensors();
        for (int i = 0; i < 500; i++) {
            iteration(i); // warm up: allocator pools, JIT
        }
        long rssBefore = residentKiB();
        for (int i = 0; i < ITERATIONS; i++) {
            iteration(i);
        }
        long rssAfter = residentKiB();
        assertEquals(baseline, NativeLibrary.liveTensors(), "live tensors after " + ITERATIONS + " iterations");
        // Each iteration allocates ~1.3 MiB natively; a leak of even one 256 KiB tensor per iteration would
        // grow RSS by ~2.5 GiB. 64 MiB allows for allocator and JIT noise.
        long growthKiB = rssAfter - rssBefore;
        assertTrue(growthKiB < 64 * 1024, "RSS grew by " + growthKiB + " KiB over " + ITERATIONS + " iterations");
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
