package dev.lora4j.examples.report;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress of count-based work: generating summaries for N examples, downloading N bytes. Shown as a bar,
 * plain lines or nothing, as {@link ProgressMode} decides. Safe to call from several threads.
 */
public final class TaskProgress implements AutoCloseable {
    private final ProgressView view;
    private long current;
    private String extra = "";

    /** Counts items, printing to System.out in the mode {@link ProgressMode#detect()} picks. */
    public static TaskProgress count(String label, long total) {
        return new TaskProgress(label, total, ProgressUnit.COUNT, System.out, ProgressMode.detect());
    }

    /** Counts bytes (for downloads); {@code totalBytes <= 0} when the size is unknown. */
    public static TaskProgress bytes(String label, long totalBytes) {
        return new TaskProgress(label, totalBytes, ProgressUnit.BYTES, System.out, ProgressMode.detect());
    }

    /** @param total the amount at which the work is done, or {@code <= 0} when unknown */
    public TaskProgress(String label, long total, ProgressUnit unit, PrintStream out, ProgressMode mode) {
        this(label, total, unit, out, mode, System::nanoTime);
    }

    TaskProgress(String label, long total, ProgressUnit unit, PrintStream out, ProgressMode mode, LongSupplier clock) {
        this(ProgressView.open(mode, label, total, 0, unit, true, out, clock));
    }

    TaskProgress(ProgressView view) {
        this.view = view;
    }

    /** Records {@code n} more items (or bytes) done. */
    public synchronized void step(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("progress cannot go back: step(" + n + ")");
        }
        current += n;
        view.update(current, extra);
    }

    /** Text shown beside the progress, e.g. the running ROUGE-L; replaces the previous text. */
    public synchronized void setExtra(String text) {
        extra = text == null ? "" : text;
        view.update(current, extra);
    }

    /** Prints a line of its own (above the bar, if one is drawn). */
    public void println(String line) {
        view.println(line);
    }

    public synchronized long current() {
        return current;
    }

    @Override
    public void close() {
        view.close();
    }
}
