package dev.lora4j.data;

/** A row left out under {@link OnInvalid#SKIP}: the 1-based line it starts on, and why. */
public record SkippedRow(long line, String reason) {

    @Override
    public String toString() {
        return "line " + line + ": " + reason;
    }
}
