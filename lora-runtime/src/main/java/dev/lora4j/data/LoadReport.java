package dev.lora4j.data;

import java.nio.file.Path;
import java.util.List;

/**
 * What a reader did with a file: how many rows it saw, how many it turned into examples and which it
 * skipped (only ever non-empty under {@link OnInvalid#SKIP}). Blank lines are not rows.
 *
 * @param file           the file that was read
 * @param rowsRead       the rows seen, blank lines not counted
 * @param examplesLoaded the rows turned into examples
 * @param skipped        the invalid rows left out, in file order
 */
public record LoadReport(Path file, int rowsRead, int examplesLoaded, List<SkippedRow> skipped) {

    /** Copies the skipped rows into an unmodifiable list. */
    public LoadReport {
        skipped = List.copyOf(skipped);
    }

    /**
     * The number of rows skipped as invalid.
     *
     * @return the size of {@link #skipped()}
     */
    public int skippedCount() {
        return skipped.size();
    }

    /**
     * The line numbers of the skipped rows.
     *
     * @return the 1-based line of each skipped row, in file order
     */
    public List<Long> skippedLines() {
        return skipped.stream().map(SkippedRow::line).toList();
    }

    /**
     * One line for logs, e.g. "train.json: 14732 rows, 14731 loaded, 1 skipped (line 30272: empty dialogue)".
     *
     * @return the counts and the first few skipped rows, on one line
     */
    public String describe() {
        StringBuilder text = new StringBuilder()
                .append(file.getFileName()).append(": ")
                .append(rowsRead).append(" rows, ")
                .append(examplesLoaded).append(" loaded, ")
                .append(skipped.size()).append(" skipped");
        if (!skipped.isEmpty()) {
            int shown = Math.min(skipped.size(), 5);
            text.append(" (");
            for (int i = 0; i < shown; i++) {
                text.append(i == 0 ? "" : "; ").append(skipped.get(i));
            }
            text.append(skipped.size() > shown ? "; ...)" : ")");
        }
        return text.toString();
    }
}
