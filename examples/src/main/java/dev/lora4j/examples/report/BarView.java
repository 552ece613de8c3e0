package dev.lora4j.examples.report;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * {@link ProgressMode#BAR}: a me.tongfei progress bar redrawn in place, every half second while running so
 * that elapsed time and the library's ETA keep moving during long steps.
 */
final class BarView implements ProgressView {
    private static final int REDRAW_MILLIS = 500;
    private static final int BYTES_PER_MIB = 1 << 20;

    private final AboveBarConsumer consumer;
    private final ProgressBar bar;

    /** @param width the bar's width in columns, or {@code <= 0} for the terminal's width */
    BarView(String label, long total, long start, ProgressUnit unit, boolean showSpeed, PrintStream out, int width) {
        consumer = new AboveBarConsumer(out, width);
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(label)
                .setInitialMax(total > 0 ? total : -1) // -1: the library's indefinite bar
                .startsFrom(start, Duration.ZERO)
                .setConsumer(consumer)
                .continuousUpdate()
                .setUpdateIntervalMillis(REDRAW_MILLIS);
        DecimalFormat oneDecimal = new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        if (unit == ProgressUnit.BYTES) {
            builder.setUnit(" MiB", BYTES_PER_MIB).showSpeed(oneDecimal);
        } else if (showSpeed) {
            builder.showSpeed(oneDecimal);
        }
        bar = builder.build();
    }

    @Override
    public void update(long current, String extra) {
        bar.setExtraMessage(extra == null ? "" : extra); // before stepTo, so the frame it may trigger shows it
        bar.stepTo(current);
    }

    @Override
    public void println(String line) {
        consumer.printAbove(line);
    }

    @Override
    public void close() {
        bar.close();
    }
}
