package dev.lora4j.examples.report;

import dev.lora4j.Lora4jException;
import java.io.Console;
import java.util.Locale;

/**
 * How progress is shown. A redrawn bar suits a terminal; in CI logs and pipes every redraw would become a
 * line of its own, so there a plain line is printed every few percent or every half minute instead.
 */
public enum ProgressMode {
    /** A progress bar redrawn in place with carriage returns. */
    BAR,
    /** Occasional plain lines (every 10% or 30 s, whichever comes first), no carriage returns. */
    PLAIN,
    /** Nothing at all. */
    OFF;

    /** Environment variable that overrides detection: {@code auto} (the default), {@code bar}, {@code plain} or {@code off}. */
    public static final String ENV = "LORA4J_PROGRESS";

    /** The mode {@link #ENV} asks for, else BAR on a terminal and PLAIN otherwise. */
    public static ProgressMode detect() {
        Console console = System.console();
        return resolve(System.getenv(ENV), console != null && console.isTerminal());
    }

    /** Same as {@link #detect()}, with the setting and the terminal test given. */
    static ProgressMode resolve(String setting, boolean terminal) {
        String value = setting == null ? "" : setting.strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "auto" -> terminal ? BAR : PLAIN;
            case "bar" -> BAR;
            case "plain" -> PLAIN;
            case "off" -> OFF;
            default -> throw new Lora4jException("progress",
                    ENV + " must be auto, bar, plain or off, not '" + setting + "'");
        };
    }
}
