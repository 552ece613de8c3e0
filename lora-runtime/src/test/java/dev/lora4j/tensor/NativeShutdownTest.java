package dev.lora4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM terminated (SIGTERM, as Ctrl-C or a job scheduler would) while its main thread is busy inside
 * libtorch exits as a terminated JVM does, without SIGSEGV in libtorch's torn-down globals. Without the
 * shutdown gate this crashed with an hs_err file nearly every time.
 */
class NativeShutdownTest {

    @Test
    void terminatingTheJvmDuringNativeWorkExitsCleanly(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 3; round++) {
            Path work = Files.createDirectories(dir.resolve("round" + round));
            Process child = startBusyChild(work);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("busy", out.readLine(), "the child started its native loop");
                Thread.sleep(200L + 100L * round);
                child.destroy();  // SIGTERM
                assertTrue(child.waitFor(90, TimeUnit.SECONDS), "the child exited");
            }
            String err = Files.readString(work.resolve("stderr.txt"));
            assertEquals(143, child.exitValue(), "exit status of a JVM ended by SIGTERM (128 + 15); stderr:\n" + err);
            assertFalse(err.contains("fatal error"), err);
            try (Stream<Path> files = Files.list(work)) {
                assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList());
            }
        }
    }

    private static Process startBusyChild(Path work) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("lora4j.")) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BusyNativeLoop.class.getName());
        // stderr to a file: destroy() closes the pipes, and the crash report would be lost with them.
        return new ProcessBuilder(cmd).directory(work.toFile()).redirectError(work.resolve("stderr.txt").toFile()).start();
    }

    /** The child: forward and backward through libtorch in a loop until it is terminated. */
    public static final class BusyNativeLoop {
        public static void main(String[] args) {
            try (Generator gen = new Generator(1)) {
                System.out.println("busy");
                System.out.flush();
                while (true) {
                    try (Scope scope = Scope.open()) {
                        // A backward long enough (hundreds of milliseconds, many nodes) to be running
                        // when the exiting JVM tears libtorch's globals down.
                        Tensor w = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 512, 512).requiresGrad(true);
                        Tensor y = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 512, 512);
                        for (int i = 0; i < 8; i++) {
                            y = Functional.dropout(y.matmul(w).tanh(), 0.1, true, gen);
                        }
                        y.sum().backward();
                    }
                }
            }
        }
    }
}
