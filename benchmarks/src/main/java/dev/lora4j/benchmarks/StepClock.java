package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import dev.lora4j.tensor.Cuda;
import java.lang.management.ManagementFactory;

/**
 * Wall and CPU time of the phases of one benchmark call, recorded into a {@link RunRecord} entry as
 * {@code <phase>_ns} and {@code <phase>_cpu_ns}, plus {@code wall_ns} and {@code cpu_ns} for the whole
 * call. CPU time is the process's (every thread: libtorch's intra-op workers, and the JVM's GC and JIT,
 * whose cost is the Java side's to bear), the counterpart of Python's {@code time.process_time()}. On a
 * GPU each phase ends with a device synchronize, so a phase's wall time is the device's.
 *
 * <p>Also {@code <phase>_minor_faults}: the process's minor page faults in the phase (Linux; absent
 * elsewhere). A phase that touches memory the allocator had given back to the kernel, or more memory than
 * any phase before, pays a fault and a zeroed page per 4 KiB; on the CPU that shows as a slow step.
 */
final class StepClock {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final ObjectNode entry;
    private final boolean cuda;
    private final long startWall;
    private final long startCpu;
    private long phaseWall;
    private long phaseCpu;
    private long phaseFaults;

    private StepClock(ObjectNode entry, boolean cuda) {
        this.entry = entry;
        this.cuda = cuda;
        this.startWall = System.nanoTime();
        this.startCpu = OS.getProcessCpuTime();
        this.phaseWall = startWall;
        this.phaseCpu = startCpu;
        this.phaseFaults = ProcessMemory.minorFaults();
    }

    static StepClock start(ObjectNode entry, boolean cuda) {
        return new StepClock(entry, cuda);
    }

    /** Ends the current phase under this name; the next phase starts now. */
    void phase(String name) {
        if (cuda) {
            Cuda.synchronize(-1);
        }
        long wall = System.nanoTime();
        long cpu = OS.getProcessCpuTime();
        long faults = ProcessMemory.minorFaults();
        entry.put(name + "_ns", wall - phaseWall);
        entry.put(name + "_cpu_ns", cpu - phaseCpu);
        if (faults >= 0 && phaseFaults >= 0) {
            entry.put(name + "_minor_faults", faults - phaseFaults);
        }
        phaseWall = wall;
        phaseCpu = cpu;
        phaseFaults = faults;
    }

    /** Records the whole call's wall and CPU time (up to the end of the last phase). */
    void finish() {
        entry.put("wall_ns", phaseWall - startWall);
        entry.put("cpu_ns", phaseCpu - startCpu);
    }
}
