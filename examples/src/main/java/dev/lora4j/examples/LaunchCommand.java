package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Starts N workers of a data-parallel run on this machine, as torchrun does: each runs the given lora4j
 * command in its own JVM with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT set;
 * their output comes back line by line prefixed with the rank; when one fails the others are stopped and
 * the launcher exits with the failing worker's status (docs/DISTRIBUTED.md).
 */
@Command(name = "launch", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a command (finetune) as N data-parallel workers on this machine, torchrun-style.")
final class LaunchCommand implements Callable<Integer> {
    @Option(names = "--nproc", paramLabel = "N", required = true, description = "Number of worker processes (ranks).")
    int nproc;

    @Option(names = "--master-port", paramLabel = "PORT", defaultValue = "0",
            description = "TCP port of rank 0's rendezvous store on 127.0.0.1; 0 = a free one (default: ${DEFAULT-VALUE}).")
    int masterPort;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Bound on the rendezvous and on every collective (LORA4J_DIST_TIMEOUT) (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--threads-per-worker", paramLabel = "N", defaultValue = "0",
            description = "libtorch threads of each worker (OMP_NUM_THREADS); 0 = this machine's cores / N, at least 1 (default: ${DEFAULT-VALUE}).")
    int threadsPerWorker;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The lora4j command each worker runs, e.g. finetune --model ... --out DIR.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        OptionChecks.atLeast("--nproc", nproc, 1);
        if (masterPort < 0 || masterPort > 65535) {
            throw new Lora4jException("cli", "--master-port must be in [0, 65535], got " + masterPort);
        }
        if (!(timeoutSeconds > 0)) {
            throw new Lora4jException("cli", "--timeout must be positive, got " + timeoutSeconds);
        }
        OptionChecks.atLeast("--threads-per-worker", threadsPerWorker, 0);
        if (!command.get(0).equals("finetune")) {
            throw new Lora4jException("cli", "launch runs `finetune` (the command that trains data-parallel), not `" + command.get(0) + "`");
        }
        int port = masterPort != 0 ? masterPort : freePort();
        int threads = threadsPerWorker > 0 ? threadsPerWorker : Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
        PrintStream out = System.out;
        List<Process> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        // A launcher stopped by a signal (Ctrl-C, a scheduler's SIGTERM) takes its workers with it.
        Thread stopOnExit = new Thread(() -> workers.forEach(Process::destroyForcibly), "launch-stop-workers");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            for (int rank = 0; rank < nproc; rank++) {
                ProcessBuilder pb = new ProcessBuilder(workerCommand()).redirectErrorStream(true);
                Map<String, String> env = pb.environment();
                env.put("RANK", Integer.toString(rank));
                env.put("LOCAL_RANK", Integer.toString(rank));
                env.put("WORLD_SIZE", Integer.toString(nproc));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(nproc));
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", Integer.toString(port));
                env.put("LORA4J_DIST_TIMEOUT", Double.toString(timeoutSeconds));
                env.put("OMP_NUM_THREADS", Integer.toString(threads));
                Process p = pb.start();
                workers.add(p);
                pumps.add(Thread.ofPlatform().name("rank-" + rank).start(forward(p, "[rank " + rank + "] ", out)));
            }
            int status = waitForAll(workers);
            for (Thread pump : pumps) {
                pump.join(5_000);
            }
            return status;
        } finally {
            stopAll(workers);
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
    }

    /** This JVM's own command line (java, its options, its class path) with the worker's lora4j command. */
    private List<String> workerCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
        cmd.addAll(jvmOptions);
        // lora4j's own settings (where the native library is, ...) set other than on the command line.
        for (String key : System.getProperties().stringPropertyNames()) {
            String option = "-D" + key + "=" + System.getProperty(key);
            if (key.startsWith("lora4j.") && !jvmOptions.contains(option)) {
                cmd.add(option);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(command);
        return cmd;
    }

    /**
     * Waits until every worker has exited; as soon as one fails, stops the others (they would otherwise
     * wait for it until their collective times out) and returns its status.
     */
    private static int waitForAll(List<Process> workers) throws InterruptedException {
        while (true) {
            boolean running = false;
            for (int rank = 0; rank < workers.size(); rank++) {
                Process p = workers.get(rank);
                if (p.isAlive()) {
                    running = true;
                } else if (p.exitValue() != 0) {
                    System.err.println("launch: rank " + rank + " exited with status " + p.exitValue() + "; stopping the other workers");
                    stopAll(workers);
                    return p.exitValue();
                }
            }
            if (!running) {
                return 0;
            }
            Thread.sleep(100);
        }
    }

    /** SIGTERM to every live worker, SIGKILL to any still alive 10 s later. */
    private static void stopAll(List<Process> workers) throws InterruptedException {
        for (Process p : workers) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        for (Process p : workers) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Copies a worker's output to out, line by line, each line prefixed. */
    private static Runnable forward(Process p, String prefix, PrintStream out) {
        return () -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (out) {
                        out.println(prefix + line);
                    }
                }
            } catch (IOException e) {
                // the worker is gone; its status says why
            }
        };
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
