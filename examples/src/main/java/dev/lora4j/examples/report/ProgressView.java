package dev.lora4j.examples.report;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/** One way of showing progress (bar, plain lines, nothing); {@link TrainingProgress} and {@link TaskProgress} sit on top. */
interface ProgressView extends AutoCloseable {
    /** Progress reached {@code current} (an absolute position, not an increment); {@code extra} is shown beside it. */
    void update(long current, String extra);

    /** Prints a line of its own, above the bar if one is drawn. */
    void println(String line);

    @Override
    void close();

    /**
     * @param total  the end position, or {@code <= 0} when unknown
     * @param start  where progress starts (a resumed run's step); the ETA counts only what happens from here
     * @param clock  nanosecond clock for plain mode's timing (System::nanoTime outside tests)
     */
    static ProgressView open(ProgressMode mode, String label, long total, long start, ProgressUnit unit, boolean showSpeed,
                             PrintStream out, LongSupplier clock) {
        return switch (mode) {
            case BAR -> new BarView(label, total, start, unit, showSpeed, out, 0);
            case PLAIN -> new PlainView(label, total, start, unit, out, clock);
            case OFF -> new SilentView();
        };
    }
}
