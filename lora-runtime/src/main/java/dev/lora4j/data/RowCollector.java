package dev.lora4j.data;

import dev.lora4j.Lora4jException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the rows of one file and applies the {@link OnInvalid} policy, so every reader reports invalid
 * rows the same way: "file:line: reason".
 */
final class RowCollector {
    private final Path file;
    private final OnInvalid policy;
    private final List<DialogueExample> examples = new ArrayList<>();
    private final List<SkippedRow> skipped = new ArrayList<>();
    private int rowsRead;

    RowCollector(Path file, OnInvalid policy) {
        this.file = file;
        this.policy = policy;
    }

    void accept(DialogueExample example) {
        rowsRead++;
        examples.add(example);
    }

    /** An invalid row: fails the load under FAIL, is recorded under SKIP. */
    void reject(long line, String reason) {
        rowsRead++;
        if (policy == OnInvalid.FAIL) {
            throw new Lora4jException("data", location(file, line) + ": " + reason
                    + " (use OnInvalid.SKIP to skip invalid rows)");
        }
        skipped.add(new SkippedRow(line, reason));
    }

    LoadedDataset finish() {
        return new LoadedDataset(examples, new LoadReport(file, rowsRead, examples.size(), skipped));
    }

    /** "name:line", the form every data error message uses. */
    static String location(Path file, long line) {
        return file + ":" + line;
    }
}
