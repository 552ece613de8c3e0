package dev.lora4j.testing;

import dev.lora4j.tensor.NativeLibrary;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: starts JVM workers of a data-parallel group on 127.0.0.1 with torchrun's variables, each
 * running a main class of the test classpath, output to files; closing it kills any still running.
 */
public final class Workers implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();

    /** A TCP port free at the moment of the call (the OS picks it). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Starts rank `rank` of `worldSize`: main class with args; the timeout in seconds bounds every collective. */
    public Process start(Path dir, int rank, int worldSize, int port, double timeoutSeconds, Class<?> main, String... args)
            throws IOException {
        return launch(dir, "rank" + rank, rankEnv(rank, worldSize, port, timeoutSeconds), main, args);
    }

    /**
     * As {@link #start}, but the worker chooses its CPU GEMM library by measuring (LORA4J_CPU_GEMM=auto),
     * as a process does by default, instead of taking this JVM's.
     */
    public Process startMeasuringGemm(Path dir, int rank, int worldSize, int port, double timeoutSeconds, Class<?> main,
                                      String... args) throws IOException {
        Map<String, String> env = rankEnv(rank, worldSize, port, timeoutSeconds);
        env.put("LORA4J_CPU_GEMM", "auto");
        return launch(dir, "rank" + rank, env, main, args);
    }

    private static Map<String, String> rankEnv(int rank, int worldSize, int port, double timeoutSeconds) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("RANK", Integer.toString(rank));
        env.put("LOCAL_RANK", Integer.toString(rank));
        env.put("WORLD_SIZE", Integer.toString(worldSize));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", Integer.toString(port));
        env.put("LORA4J_DIST_TIMEOUT", Double.toString(timeoutSeconds));
        return env;
    }

    /** Starts one process with no data-parallel variables (the one-process reference); output in name.txt. */
    public Process startAlone(Path dir, String name, Class<?> main, String... args) throws IOException {
        return launch(dir, name, Map.of(), main, args);
    }

    private Process launch(Path dir, String name, Map<String, String> distEnv, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xss4m");
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("lora4j.")) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Files.createDirectories(dir);
        Path out = dir.resolve(name + ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        Map<String, String> env = pb.environment();
        for (String key : List.of("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LORA4J_DIST_TIMEOUT")) {
            env.remove(key);
        }
        // Every worker computes with this JVM's CPU GEMM library unless told otherwise: by default each process
        // measures which is faster and could choose otherwise, and the tests compare runs in different
        // processes bit for bit (a run's ranks agree by themselves; a one-process reference would not).
        env.put("LORA4J_CPU_GEMM", NativeLibrary.cpuGemmLibrary());
        env.putAll(distEnv);
        // One thread per process: what the data-parallel tests compare must not depend on thread counts.
        env.put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Waits for the process; false if it is still running after the given seconds. */
    public static boolean waitFor(Process p, double seconds) throws InterruptedException {
        return p.waitFor(Math.round(seconds * 1000), TimeUnit.MILLISECONDS);
    }

    /** The output of a process started with startAlone. */
    public static String output(Path dir, String name) throws IOException {
        Path out = dir.resolve(name + ".txt");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    /** Waits until a worker's output holds the line, or fails after the given seconds. */
    public static void awaitLine(Path output, String line, double seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Math.round(seconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (Files.exists(output) && Files.readAllLines(output).contains(line)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line '" + line + "' in " + output + " after " + seconds + " s:\n"
                + (Files.exists(output) ? Files.readString(output) : "(no output)"));
    }

    public static String output(Path dir, int rank) throws IOException {
        Path out = dir.resolve("rank" + rank + ".txt");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
