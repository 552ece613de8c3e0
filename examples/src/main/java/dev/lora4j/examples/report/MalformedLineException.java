package dev.lora4j.examples.report;

import dev.lora4j.Lora4jException;
import java.nio.file.Path;

/** A line of a JSONL run file (metrics.jsonl, rouge.jsonl) that cannot be read; the message names file and line. */
public final class MalformedLineException extends Lora4jException {
    private final Path file;
    private final long line;

    MalformedLineException(Path file, long line, String problem) {
        super("report", file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** 1-based line number in {@link #file()}. */
    public long line() {
        return line;
    }
}
