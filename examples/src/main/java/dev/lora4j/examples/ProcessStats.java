package dev.lora4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The process's peak resident memory (Linux: VmHWM), which counts libtorch's native memory as well as the Java heap. */
final class ProcessStats {
    private ProcessStats() {}

    /** Peak RSS in bytes, or empty where /proc/self/status is not available. */
    static OptionalLong peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: report nothing rather than a wrong number
        }
        return OptionalLong.empty();
    }

    static String describePeakRss() {
        OptionalLong peak = peakRssBytes();
        return peak.isPresent() ? String.format(java.util.Locale.ROOT, "%.0f MiB", peak.getAsLong() / 1048576.0) : "n/a";
    }
}
