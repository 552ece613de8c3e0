package dev.lora4j.distributed;

import dev.lora4j.Lora4jException;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two JVM processes (one thread each) form a Gloo group over c10d on 127.0.0.1: collectives give the
 * known sums, and every failure (port in use, no master, a silent peer, a killed peer) is an error
 * within the bound, never a hang. Ports are picked free by the OS; workers are killed in close().
 */
class ProcessGroupTest {
    private static final double TIMEOUT_S = 3;

    @Test
    void twoProcessesAllReduceBroadcastAndBarrierKnownTensors(@TempDir Path dir) throws Exception {
        try (Workers workers = new Workers()) {
            int port = Workers.freePort();
            Process r0 = workers.start(dir, 0, 2, port, 30, GroupWorker.class, "collectives");
            Process r1 = workers.start(dir, 1, 2, port, 30, GroupWorker.class, "collectives");
            assertTrue(Workers.waitFor(r0, 90) && Workers.waitFor(r1, 90), "workers finished");
            for (int rank = 0; rank < 2; rank++) {
                String out = Workers.output(dir, rank);
                assertEquals(0, rank == 0 ? r0.exitValue() : r1.exitValue(), out);
                // ranks hold (1,2,3)·(r+1): the sum is (3,6,9); the average of that sum is itself
                assertTrue(out.contains("sum a [3.0, 6.0, 9.0]"), out);
                assertTrue(out.contains("sum b [30.0, 32.0, 34.0, 36.0]"), out);
                assertTrue(out.contains("sum c [0.75, 0.75]"), out);  // bfloat16: 0.25 + 0.5, exact
                assertTrue(out.contains("avg a [3.0, 6.0, 9.0]"), out);
                assertTrue(out.contains("broadcast [6.0, 6.0, 6.0]"), out);  // rank 1's value r + 5
                assertTrue(out.contains("grad [1.5, 1.5] [1.0, 1.0] none"), out);
                assertTrue(out.contains("barrier"), out);
                assertTrue(out.contains("live tensors 0 live groups 0"), out);
            }
        }
    }

    @Test
    void aJavaRankAndAPyTorchRankShareOneGlooGroup(@TempDir Path dir) throws Exception {
        // Rank 0 is lora4j, rank 1 is torch.distributed's own ProcessGroupGloo (gloo_peer.py): the
        // all-reduce of lora4j's flat bucket and the broadcast agree with PyTorch's, element for element.
        Path script = Path.of(ProcessGroupTest.class.getResource("/python/gloo_peer.py").toURI());
        try (Workers workers = new Workers()) {
            int port = Workers.freePort();
            Process java = workers.start(dir, 0, 2, port, 30, GroupWorker.class, "interop");
            Process python = new ProcessBuilder(PythonReference.python(), script.toString(), "1", "2", Integer.toString(port), "30")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("python.txt").toFile()).start();
            try {
                assertTrue(Workers.waitFor(java, 90) && Workers.waitFor(python, 90), "both ranks finished");
                String javaOut = Workers.output(dir, 0);
                String pythonOut = Files.readString(dir.resolve("python.txt"));
                assertEquals(0, java.exitValue(), javaOut);
                assertEquals(0, python.exitValue(), pythonOut);
                // (1,2,3)/8 + (2,4,6)/8 and (0.5..3.5) + (1.5..4.5)
                List<String> expected = List.of("sum a [0.375, 0.75, 1.125]", "sum b [2.0, 4.0, 6.0, 8.0]", "broadcast [6.0, 6.0, 6.0]");
                for (String line : expected) {
                    assertTrue(javaOut.contains(line), javaOut);
                    assertTrue(pythonOut.contains(line), pythonOut);
                }
            } finally {
                python.destroyForcibly();
            }
        }
    }

    @Test
    void aPortInUseIsAClearErrorOnRankZero(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()); Workers workers = new Workers()) {
            long t0 = System.nanoTime();
            Process r0 = workers.start(dir, 0, 2, taken.getLocalPort(), TIMEOUT_S, GroupWorker.class, "collectives");
            assertTrue(Workers.waitFor(r0, 60), "rank 0 exited");
            String out = Workers.output(dir, 0);
            assertEquals(1, r0.exitValue(), out);
            assertTrue(out.contains("error: l4j_process_group_new: rendezvous at 127.0.0.1:" + taken.getLocalPort()
                    + " failed for rank 0 of 2 (is the port in use"), out);
            assertTrue(out.contains("address already in use"), out);
            System.out.printf("port in use: error after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
    }

    @Test
    void anUnreachableMasterIsAClearErrorWithinTheBound(@TempDir Path dir) throws Exception {
        try (Workers workers = new Workers()) {
            long t0 = System.nanoTime();
            Process r1 = workers.start(dir, 1, 2, Workers.freePort(), TIMEOUT_S, GroupWorker.class, "collectives");
            // c10d's client retries until its deadline, then once more after a back-off: at most about
            // 2.5 timeouts (docs/DISTRIBUTED.md), plus a JVM start.
            assertTrue(Workers.waitFor(r1, 3 * TIMEOUT_S + 20), "rank 1 gave up");
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = Workers.output(dir, 1);
            assertEquals(1, r1.exitValue(), out);
            assertTrue(out.contains("failed for rank 1 of 2 (is the master up and reachable?)"), out);
            System.out.printf("unreachable master: error after %.1f s (timeout %.0f s)%n", seconds, TIMEOUT_S);
        }
    }

    @Test
    void aSilentPeerMakesTheCollectiveFailAtTheTimeout(@TempDir Path dir) throws Exception {
        try (Workers workers = new Workers()) {
            int port = Workers.freePort();
            Process r0 = workers.start(dir, 0, 2, port, TIMEOUT_S, GroupWorker.class, "wait");
            workers.start(dir, 1, 2, port, TIMEOUT_S, GroupWorker.class, "wait");
            Workers.awaitLine(dir.resolve("rank0.txt"), "joined", 60);
            long t0 = System.nanoTime();
            assertTrue(Workers.waitFor(r0, TIMEOUT_S + 15), "rank 0 gave up");
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = Workers.output(dir, 0);
            assertEquals(1, r0.exitValue(), out);
            assertTrue(out.contains("error: l4j_all_reduce: all-reduce on rank 0 of 2 failed (a peer exited or did not answer within 3000 ms)"), out);
            System.out.printf("silent peer: error %.1f s after joining (timeout %.0f s)%n", seconds, TIMEOUT_S);
        }
    }

    @Test
    void aKilledPeerMakesTheOtherRankExitWithAClearError(@TempDir Path dir) throws Exception {
        try (Workers workers = new Workers()) {
            int port = Workers.freePort();
            // A long timeout: the error must come from the broken connection, not from the timeout.
            Process r0 = workers.start(dir, 0, 2, port, 60, GroupWorker.class, "wait");
            Process r1 = workers.start(dir, 1, 2, port, 60, GroupWorker.class, "wait");
            Workers.awaitLine(dir.resolve("rank0.txt"), "joined", 60);
            Workers.awaitLine(dir.resolve("rank1.txt"), "joined", 60);
            Thread.sleep(500);  // rank 0 is inside its all-reduce
            long t0 = System.nanoTime();
            r1.destroyForcibly();  // SIGKILL
            assertTrue(Workers.waitFor(r0, 30), "rank 0 exited after its peer was killed");
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = Workers.output(dir, 0);
            assertEquals(1, r0.exitValue(), out);
            assertTrue(out.contains("error: l4j_all_reduce: all-reduce on rank 0 of 2 failed (a peer exited"), out);
            assertTrue(seconds < 10, "the broken connection is noticed at once, not at the 60 s timeout: " + seconds);
            System.out.printf("killed peer: rank 0 exited %.2f s after the kill%n", seconds);
        }
    }

    @Test
    void configurationComesFromTorchrunVariables() {
        assertNull(DistributedConfig.fromEnvironment(Map.of()));
        DistributedConfig c = DistributedConfig.fromEnvironment(Map.of("RANK", "1", "WORLD_SIZE", "4", "LOCAL_RANK", "0",
                "MASTER_ADDR", "10.0.0.7", "MASTER_PORT", "29500", "LORA4J_DIST_TIMEOUT", "2.5"));
        assertEquals(new DistributedConfig(1, 4, 0, "10.0.0.7", 29500, Duration.ofMillis(2500), ProcessGroup.Backend.GLOO), c);
        Lora4jException e = assertThrows(Lora4jException.class, () -> DistributedConfig.fromEnvironment(
                Map.of("RANK", "4", "WORLD_SIZE", "4", "MASTER_ADDR", "h", "MASTER_PORT", "1")));
        assertEquals("distributed: RANK 4 is outside [0, 4)", e.getMessage());
        e = assertThrows(Lora4jException.class, () -> DistributedConfig.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "2")));
        assertEquals("distributed: WORLD_SIZE is set but MASTER_ADDR is not (the host of rank 0)", e.getMessage());
    }
}
