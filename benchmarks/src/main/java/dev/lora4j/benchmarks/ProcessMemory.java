package dev.lora4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark process's resident set size as Linux reports it in /proc/self/status: VmRSS now and
 * VmHWM, its peak since the process started. It counts everything the JVM process maps and touches:
 * Java heap, JIT code, libtorch's allocations (weights, activations). -1 where the file or field is
 * missing (not Linux). {@link #resetPeak} starts VmHWM again from VmRSS, so the peak of the measured
 * steps can be told apart from the peak of building the model (a QLoRA base is quantized from a float
 * model that is freed before the first step).
 */
final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path STAT = Path.of("/proc/self/stat");

    private ProcessMemory() {}

    static long peakRssBytes() {
        return field("VmHWM:");
    }

    /**
     * Resets VmHWM to the current RSS (Linux's clear_refs "5"); false where the kernel does not allow it,
     * in which case the peak keeps counting from the process's start.
     */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The process's minor page faults so far (the 10th field of /proc/self/stat, as getrusage's
     * ru_minflt), or -1 where the file is missing (not Linux).
     */
    static long minorFaults() {
        if (!Files.isReadable(STAT)) {
            return -1;
        }
        try {
            String stat = Files.readString(STAT);
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(fields[7]); // fields from state (3rd): state ppid pgrp session tty tpgid flags minflt
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STAT, e);
        }
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
