package dev.lora4j.train;

import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training over Gloo on 127.0.0.1, 2 JVM processes × 1 thread, against one process with
 * the same global batch (batch 2 × 2 ranks against batch 2 × accumulation 2): 20 steps of LoRA, IA3,
 * prompt tuning and full fine-tuning (dropout 0) end with the same tensors (1e-6 relative per tensor); with dropout the
 * same 2-rank run is bit-identical twice, and a run whose rank 1 is killed fails on rank 0 with a clear
 * error, refuses a resume on another number of processes, and resumes to the uninterrupted result.
 */
class DataParallelTrainingTest {
    private static final double TIMEOUT_S = 30;
    private static final double REL_TOLERANCE = 1e-6;

    @Test
    void twoRanksEqualOneProcessWithTheSameGlobalBatchLora(@TempDir Path dir) throws Exception {
        equivalence(dir, "lora");
    }

    @Test
    void twoRanksEqualOneProcessWithTheSameGlobalBatchFull(@TempDir Path dir) throws Exception {
        equivalence(dir, "full");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ia3", "prompt"})
    void twoRanksEqualOneProcessForAWrapperAndAHookMethod(String method, @TempDir Path dir) throws Exception {
        equivalence(dir, method);
    }

    /**
     * Each process measures which CPU GEMM library is faster, and two can disagree; rank 1 is made to start
     * on the library rank 0 does not use, and must train with rank 0's (the losses equal the one-process run's).
     */
    @Test
    void aRankThatChoseAnotherGemmLibraryTakesRank0s(@TempDir Path dir) throws Exception {
        equivalence(dir, "lora", true);
        String rank0 = gemmLine(Workers.output(dir.resolve("dp"), 0));
        assertEquals(rank0, gemmLine(Workers.output(dir.resolve("dp"), 1)));
    }

    private static String gemmLine(String output) {
        return output.lines().filter(l -> l.startsWith("cpu gemm ")).findFirst().orElseThrow(() -> new AssertionError(output));
    }

    private static void equivalence(Path dir, String mode) throws Exception {
        equivalence(dir, mode, false);
    }

    private static void equivalence(Path dir, String mode, boolean rank1OnTheOtherGemm) throws Exception {
        try (Workers workers = new Workers()) {
            Process solo = workers.startAlone(dir, "solo", DataParallelWorker.class, mode, dir.resolve("solo-run").toString(), "0", "2");
            String[] extra = rank1OnTheOtherGemm ? new String[] {"start-with-the-other-gemm"} : new String[0];
            runTwoRanks(workers, dir.resolve("dp"), mode, "0", extra);
            assertTrue(Workers.waitFor(solo, 300), "the one-process run finished");
            assertEquals(0, solo.exitValue(), Workers.output(dir, "solo"));
        }
        // The logged loss is the global batch's on both (rank 0 gathers the ranks' sums): same lines.
        java.util.List<String> losses = lossLines(Workers.output(dir, "solo"));
        assertEquals(losses, lossLines(Workers.output(dir.resolve("dp"), 0)));
        assertTrue(!losses.get(0).substring(losses.get(0).indexOf(" loss ")).equals(
                losses.get(losses.size() - 1).substring(losses.get(losses.size() - 1).indexOf(" loss "))), "training moved the loss");
        Map<String, float[]> reference = read(dir.resolve("solo-run"));
        Map<String, float[]> parallel = read(dir.resolve("dp").resolve("run"));
        assertEquals(reference.keySet(), parallel.keySet());
        double worst = 0;
        String worstName = "";
        for (String name : reference.keySet()) {
            double rel = relativeDistance(parallel.get(name), reference.get(name));
            if (rel > worst) {
                worst = rel;
                worstName = name;
            }
            assertTrue(rel <= REL_TOLERANCE, name + ": relative distance " + rel);
        }
        System.out.printf("%s: 2 ranks vs 1 process, %d tensors, worst relative distance %.2e (%s)%n", mode,
                reference.size(), worst, worstName);
    }

    @Test
    void withDropoutTheSameRunIsBitIdenticalAndAKilledRunResumesToIt(@TempDir Path dir) throws Exception {
        try (Workers workers = new Workers()) {
            runTwoRanks(workers, dir.resolve("first"), "lora", "0.1");
            runTwoRanks(workers, dir.resolve("second"), "lora", "0.1");
        }
        Map<String, float[]> first = read(dir.resolve("first").resolve("run"));
        Map<String, float[]> second = read(dir.resolve("second").resolve("run"));
        assertEquals(first.keySet(), second.keySet());
        for (String name : first.keySet()) {
            assertArrayEquals(first.get(name), second.get(name), 0f, name);
        }

        Path killed = dir.resolve("killed");
        Path run = killed.resolve("run");
        try (Workers workers = new Workers()) {
            int port = Workers.freePort();
            Process r0 = workers.start(killed, 0, 2, port, TIMEOUT_S, DataParallelWorker.class, "lora", run.toString(), "0.1", "1");
            Process r1 = workers.start(killed, 1, 2, port, TIMEOUT_S, DataParallelWorker.class, "lora", run.toString(), "0.1", "1");
            Workers.awaitLine(killed.resolve("rank0.txt"), "step 12 loss " + lossAt(dir.resolve("first"), 12), 120);
            long t0 = System.nanoTime();
            r1.destroyForcibly();
            assertTrue(Workers.waitFor(r0, TIMEOUT_S + 10), "rank 0 exited after rank 1 was killed");
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = Workers.output(killed, 0);
            assertEquals(1, r0.exitValue(), out);
            assertTrue(out.contains("error: l4j_all_reduce") && out.contains("on rank 0 of 2 failed (a peer exited"), out);
            System.out.printf("killed rank 1 after step 12: rank 0 exited with the error %.2f s later%n", seconds);
        }
        assertEquals("step-00000010", Checkpoint.latest(run).getFileName().toString());

        // Another number of processes is refused, naming both.
        try (Workers workers = new Workers()) {
            Process solo = workers.startAlone(killed, "solo", DataParallelWorker.class, "lora", run.toString(), "0.1", "2");
            assertTrue(Workers.waitFor(solo, 120));
            String out = Workers.output(killed, "solo");
            assertEquals(1, solo.exitValue(), out);
            assertTrue(out.contains("was written by a run on 2 process(es), this one has 1: resume with the same number of processes"), out);
        }

        // The same command again resumes from step 10 and ends with the uninterrupted run's adapter, bit for bit.
        try (Workers workers = new Workers()) {
            runTwoRanks(workers, killed, "lora", "0.1");
        }
        String resumed = Workers.output(killed, 0);
        assertTrue(resumed.contains("step 11 loss") && !resumed.contains("step 10 loss"), resumed);
        Map<String, float[]> after = read(run);
        for (String name : first.keySet()) {
            assertArrayEquals(first.get(name), after.get(name), 0f, name);
        }
    }

    /** Runs both ranks to the end in dir/run; outputs in dir/rank0.txt and rank1.txt. */
    private static void runTwoRanks(Workers workers, Path dir, String mode, String dropout, String... extra) throws Exception {
        int port = Workers.freePort();
        Path run = dir.resolve("run");
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of(mode, run.toString(), dropout, "1"),
                java.util.Arrays.stream(extra)).toArray(String[]::new);
        Process r0 = workers.start(dir, 0, 2, port, TIMEOUT_S, DataParallelWorker.class, args);
        Process r1 = extra.length == 0 ? workers.start(dir, 1, 2, port, TIMEOUT_S, DataParallelWorker.class, args)
                : workers.startMeasuringGemm(dir, 1, 2, port, TIMEOUT_S, DataParallelWorker.class, args);
        assertTrue(Workers.waitFor(r0, 300) && Workers.waitFor(r1, 300), "both ranks finished");
        for (int rank = 0; rank < 2; rank++) {
            String out = Workers.output(dir, rank);
            assertEquals(0, (rank == 0 ? r0 : r1).exitValue(), out);
            assertTrue(out.contains("done, live tensors 0"), out);
        }
        assertTrue(Workers.output(dir, 0).contains("step " + DataParallelWorker.STEPS + " loss"));
        assertTrue(!Workers.output(dir, 1).contains("step 1 loss"), "rank 1 does not report");
        assertTrue(!Files.exists(run.resolve("rank1")), "rank 1 writes nothing");
    }

    private static java.util.List<String> lossLines(String output) {
        java.util.List<String> lines = output.lines().filter(l -> l.startsWith("step ")).toList();
        assertEquals(DataParallelWorker.STEPS, lines.size(), output);
        return lines;
    }

    private static String lossAt(Path dir, int step) throws Exception {
        String prefix = "step " + step + " loss ";
        return Workers.output(dir, 0).lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
    }

    private static Map<String, float[]> read(Path run) {
        Map<String, float[]> out = new TreeMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(run.resolve("trained.safetensors")); Scope scope = Scope.open()) {
            for (String name : file.names()) {
                Tensor t = TensorFiles.read(file, name, dev.lora4j.tensor.Device.CPU, null);
                out.put(name, t.toFloatArray());
            }
        }
        return out;
    }

    private static double relativeDistance(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (double) (a[i] - b[i]) * (a[i] - b[i]);
            norm += (double) b[i] * b[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }
}
