package dev.lora4j.data;

/**
 * A row left out under {@link OnInvalid#SKIP}: the 1-based line it starts on, and why.
 *
 * @param line   the 1-based line the row starts on
 * @param reason why the row is invalid
 */
public record SkippedRow(long line, String reason) {

    @Override
    public String toString() {
        return "line " + line + ": " + reason;
    }
}
