package dev.lora4j.examples.report;

import java.util.Locale;

/** Formatting shared by the progress displays. */
final class ProgressText {
    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private ProgressText() {}

    /** {@code h:mm:ss}, e.g. {@code 0:01:05} or {@code 27:46:40}. */
    static String duration(long nanos) {
        long seconds = Math.max(0, nanos) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    /** A count as is; bytes in binary units with one decimal ({@code 512 B}, {@code 12.3 MiB}). */
    static String amount(long value, ProgressUnit unit) {
        if (unit == ProgressUnit.COUNT) {
            return Long.toString(value);
        }
        double scaled = value;
        int power = 0;
        while (Math.abs(scaled) >= 1024 && power < BINARY_UNITS.length - 1) {
            scaled /= 1024;
            power++;
        }
        return power == 0 ? value + " B" : String.format(Locale.ROOT, "%.1f %s", scaled, BINARY_UNITS[power]);
    }

    /**
     * The plain-mode line: {@code label current/total pct% elapsed h:mm:ss eta h:mm:ss | extra}; without a
     * known total only the current amount and elapsed time. {@code etaNanos < 0} prints {@code eta ?}.
     */
    static String line(String label, long current, long total, ProgressUnit unit, long elapsedNanos, long etaNanos,
                       String extra) {
        StringBuilder line = new StringBuilder(label).append(' ').append(amount(current, unit));
        if (total > 0) {
            line.append('/').append(amount(total, unit))
                    .append(' ').append((long) Math.floor(100.0 * current / total)).append('%');
        }
        line.append(" elapsed ").append(duration(elapsedNanos));
        if (total > 0) {
            line.append(" eta ").append(etaNanos < 0 ? "?" : duration(etaNanos));
        }
        if (extra != null && !extra.isEmpty()) {
            line.append(" | ").append(extra);
        }
        return line.toString();
    }
}
