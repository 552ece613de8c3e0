package dev.lora4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark process's resident set size as Linux reports it in /proc/self/status: VmRSS now and
 * VmHWM, its peak since the process started. It counts everything the JVM process maps and touches:
 * Java heap, JIT code, libtorch's allocations (weights, activations). -1 where the file or field is
 * missing (not Linux).
 */
final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    static long peakRssBytes() {
        return field("VmHWM:");
    }

    static long rssBytes() {
        return field("VmRSS:");
    }

    private static long field(String name) {
        if (!Files.isReadable(STATUS)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    // "VmHWM:	  123456 kB"
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
    }
}
