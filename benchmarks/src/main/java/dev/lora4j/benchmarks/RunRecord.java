package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * What a benchmark fork records beside JMH's scores, for scripts/bench-report.sh: per-call details
 * (tokens, phase times, CPU time), the process's resident memory and the live-tensor counts. Written
 * at the end of the trial to the file {@code -Dlora4j.bench.record} names (nothing when it is unset);
 * each workload runs in its own forked JVM, so the peak RSS is that workload's.
 */
final class RunRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();
    private final ArrayNode calls = root.putArray("calls");

    RunRecord(String benchmark) {
        root.put("benchmark", benchmark);
        root.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        // The collector shapes the Java heap's share of the peak RSS (scripts/lib.sh, LORA4J_JVM_OPTIONS).
        root.put("garbage_collectors", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).collect(java.util.stream.Collectors.joining(", ")));
        // glibc's malloc settings shape the native side's page faults and peak RSS (scripts/lib.sh, LORA4J_GLIBC_TUNABLES).
        String tunables = System.getenv("GLIBC_TUNABLES");
        root.put("glibc_tunables", tunables == null ? "" : tunables);
        // The CPU and its performance features: records from different CPUs are different machines (issue 20).
        root.put("cpu", dev.lora4j.tensor.CpuInfo.current().describe());
        root.put("cpu_gemm", dev.lora4j.tensor.NativeLibrary.cpuGemmLibrary());
    }

    ObjectNode root() {
        return root;
    }

    /** A new entry for one timed call, appended in call order. */
    ObjectNode addCall() {
        return calls.addObject();
    }

    /** Writes the record where -Dlora4j.bench.record says, replacing the file atomically. */
    void write() {
        String target = System.getProperty("lora4j.bench.record");
        if (target == null || target.isBlank()) {
            return;
        }
        // The process's peak: VmHWM, or the peak before a ProcessMemory.resetPeak() if that was higher.
        long peak = Math.max(ProcessMemory.peakRssBytes(), root.path("setup_peak_rss_bytes").asLong(-1));
        root.put("peak_rss_bytes", peak);
        try {
            AtomicFiles.write(Path.of(target), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run record " + target, e);
        }
    }
}
