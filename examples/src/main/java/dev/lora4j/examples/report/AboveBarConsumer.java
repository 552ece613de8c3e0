package dev.lora4j.examples.report;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;

/**
 * The library's console consumer (each frame: carriage return + the bar), plus {@link #printAbove}: a line
 * printed where the bar was, with the bar drawn again below it. Frames come from the library's timer thread
 * and lines from the caller's, so both go through this object's lock and never interleave mid-line.
 */
final class AboveBarConsumer extends ConsoleProgressBarConsumer {
    private final PrintStream out;
    private String lastFrame;

    /** @param width the bar's width in columns, or {@code <= 0} for the terminal's width */
    AboveBarConsumer(PrintStream out, int width) {
        super(out, width);
        this.out = out;
    }

    @Override
    public synchronized void accept(String frame) {
        lastFrame = frame;
        super.accept(frame);
    }

    synchronized void printAbove(String line) {
        eraseLine();
        out.println(line);
        if (lastFrame != null) {
            super.accept(lastFrame);
        }
        out.flush();
    }

    @Override
    public synchronized void clear() {
        eraseLine();
        out.flush();
    }

    @Override
    public synchronized void close() {
        super.close();
    }

    private void eraseLine() {
        out.print('\r' + " ".repeat(Math.max(0, getMaxRenderedLength())) + '\r');
    }
}
