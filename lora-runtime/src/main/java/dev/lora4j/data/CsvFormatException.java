package dev.lora4j.data;

/** A CSV error after which no later record can be trusted (a quoted field that never closes). */
final class CsvFormatException extends Exception {
    private final long line;

    CsvFormatException(long line, String message) {
        super(message);
        this.line = line;
    }

    long line() {
        return line;
    }
}
