package dev.lora4j.examples.report;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * {@link ProgressMode#BAR}: a me.tongfei progress bar redrawn in place, every half second while running so
 * that elapsed time and the library's ETA keep moving during long steps.
 */
final class BarView implements ProgressView {
    private static final int REDRAW_MILLIS = 500;
    private static final int BYTES_PER_MIB = 1 << 20;

    private final AboveBarConsumer consumer;
    private final ProgressBar bar;
    /** The library puts the extra message right after the speed, with no space between. */
    private final String extraPrefix;

    /** @param width the bar's width in columns, or {@code <= 0} for the terminal's width */
    BarView(String label, long total, long start, ProgressUnit unit, boolean showSpeed, PrintStream out, int width) {
        consumer = new AboveBarConsumer(out, width);
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(label)
                .setStyle(ProgressBarStyle.UNICODE_BLOCK) // no colour codes: also readable where ANSI is not understood
                .setInitialMax(total > 0 ? total : -1) // -1: the library's indefinite bar
                .startsFrom(start, Duration.ZERO)
                .setConsumer(consumer)
                .continuousUpdate()
                .setUpdateIntervalMillis(REDRAW_MILLIS);
        DecimalFormat oneDecimal = new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        boolean speed = unit == ProgressUnit.BYTES || showSpeed;
        if (unit == ProgressUnit.BYTES) {
            builder.setUnit(" MiB", BYTES_PER_MIB);
        }
        if (speed) {
            builder.showSpeed(oneDecimal);
        }
        extraPrefix = speed ? " " : "";
        bar = builder.build();
    }

    @Override
    public void update(long current, String extra) {
        // Set before stepTo, so that a frame drawn right after the step already shows it.
        bar.setExtraMessage(extra == null || extra.isEmpty() ? "" : extraPrefix + extra);
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
