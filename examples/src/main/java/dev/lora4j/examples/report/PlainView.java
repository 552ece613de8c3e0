package dev.lora4j.examples.report;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@link ProgressMode#PLAIN}: one line when progress is opened, then one each time progress crosses the next
 * 10% or, with a line already 30 s old, whenever progress moves; and the final position on close. Lines are
 * printed from the caller's thread as progress is reported, so the output is a plain, deterministic log.
 */
final class PlainView implements ProgressView {
    static final int PERCENT_STEP = 10;
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String label;
    private final long total;
    private final long start;
    private final ProgressUnit unit;
    private final PrintStream out;
    private final LongSupplier clock;
    private final long startNanos;
    private long current;
    private String extra = "";
    private long printedPosition;
    private long printedNanos;

    PlainView(String label, long total, long start, ProgressUnit unit, PrintStream out, LongSupplier clock) {
        this.label = label;
        this.total = total;
        this.start = start;
        this.unit = unit;
        this.out = out;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.current = start;
        printLine(startNanos);
    }

    @Override
    public synchronized void update(long position, String extraText) {
        current = position;
        extra = extraText == null ? "" : extraText;
        long now = clock.getAsLong();
        boolean crossedStep = total > 0 && tenth(current) > tenth(printedPosition);
        boolean intervalPassed = current != printedPosition && now - printedNanos >= INTERVAL_NANOS;
        if (crossedStep || intervalPassed) {
            printLine(now);
        }
    }

    @Override
    public synchronized void println(String line) {
        out.println(line);
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (current != printedPosition) {
            printLine(clock.getAsLong());
        }
        out.flush();
    }

    /** Which PERCENT_STEP band the position is in (0 for 0..9%, 1 for 10..19%, ...). */
    private long tenth(long position) {
        return (long) Math.floor(100.0 * position / total / PERCENT_STEP);
    }

    private void printLine(long now) {
        long elapsed = now - startNanos;
        long eta = -1;
        if (total > 0 && current >= total) {
            eta = 0;
        } else if (total > 0 && current > start) {
            eta = (long) ((double) elapsed / (current - start) * (total - current));
        }
        out.println(ProgressText.line(label, current, total, unit, elapsed, eta, extra));
        out.flush();
        printedPosition = current;
        printedNanos = now;
    }
}
