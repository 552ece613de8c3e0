package dev.lora4j.benchmarks;

import dev.lora4j.tensor.NativeLibrary;

/**
 * The training-step benchmarks' leak check: the live native tensors must not grow from one step to the
 * next, and must return to their count before the trial once everything is closed. A leak would make
 * a longer run slower and larger than the measured steps show, so it fails the run instead.
 */
final class LiveTensorCheck {
    private final long atStart = NativeLibrary.liveTensors();
    private long afterFirstStep = -1;

    /** After each step (JMH iteration): no growth over the count after the first. */
    void afterStep(int step) {
        long live = NativeLibrary.liveTensors();
        if (afterFirstStep < 0) {
            afterFirstStep = live;
        } else if (live > afterFirstStep) {
            throw new IllegalStateException("native tensors grow across steps: " + live + " live after step " + step
                    + ", " + afterFirstStep + " after the first");
        }
    }

    /** Once everything is closed: records the counts, and fails (after the record is written) on a leak. */
    void finish(RunRecord record) {
        long live = NativeLibrary.liveTensors();
        record.root().put("live_tensors_before", atStart).put("live_tensors_after_first_step", afterFirstStep)
                .put("live_tensors_after", live);
        record.write();
        if (live != atStart) {
            throw new IllegalStateException("native tensors leaked: " + live + " live after the run, " + atStart + " before");
        }
    }
}
