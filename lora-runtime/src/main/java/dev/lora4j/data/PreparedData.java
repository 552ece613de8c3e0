package dev.lora4j.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The examples a command uses from one file, with an account of every row: read, used, merged into an
 * earlier row's example (evaluation only), skipped as invalid, or left out by a limit. Nothing is
 * dropped without showing up in {@link #describe()}.
 *
 * @param report      what the reader did with the file
 * @param use         what the examples are for, which decides merging and expansion
 * @param examples    what the command works on
 * @param rowsRead    rows the reader saw
 * @param rowsUsed    rows that contribute to {@code examples} (read = used + skipped + beyond the limit)
 * @param merged      used rows folded into an earlier row's example as further references (same dialogue)
 * @param skipped     invalid rows left out under the skip policy
 * @param beyondLimit rows left out because of a limit
 */
public record PreparedData(LoadReport report, DataUse use, List<DialogueExample> examples, int rowsRead, int rowsUsed,
                           int merged, int skipped, int beyondLimit) {

    /** Copies the examples into an unmodifiable list. */
    public PreparedData {
        examples = List.copyOf(examples);
    }

    /**
     * Turns a loaded file into the examples for {@code use}, keeping the first {@code limit} examples
     * (null: all). Training expands rows with several references (the DialogSum test layout) into one
     * example per summary.
     *
     * @param loaded the file as read
     * @param use    training (one example per summary), evaluation (rows of one dialogue merged) or
     *     generation
     * @param limit  the number of examples to keep, at least 0; null for all
     * @return the examples and the account of every row
     * @throws IllegalArgumentException if limit is negative
     */
    public static PreparedData of(LoadedDataset loaded, DataUse use, Integer limit) {
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("example limit must be 0 or more, got " + limit);
        }
        List<DialogueExample> rows = loaded.examples();
        List<DialogueExample> examples = use == DataUse.EVALUATE ? ReferenceGrouping.byDialogue(rows) : rows;
        int rowsUsed = rows.size();
        if (limit != null && limit < examples.size()) {
            examples = examples.subList(0, limit);
            if (use == DataUse.EVALUATE) {
                Set<String> kept = new HashSet<>();
                examples.forEach(e -> kept.add(e.dialogue()));
                rowsUsed = (int) rows.stream().filter(r -> kept.contains(r.dialogue())).count();
            } else {
                rowsUsed = limit;
            }
        }
        int merged = use == DataUse.EVALUATE ? rowsUsed - examples.size() : 0;
        if (use == DataUse.TRAIN) {
            examples = pairs(examples);
        }
        return new PreparedData(loaded.report(), use, examples, loaded.report().rowsRead(), rowsUsed, merged,
                loaded.report().skippedCount(), rows.size() - rowsUsed);
    }

    /**
     * One example per (dialogue, summary): a row with three references trains on all three.
     *
     * @param examples the examples, each with one or more summaries
     * @return a new list with one single-summary example per summary, in order
     */
    public static List<DialogueExample> pairs(List<DialogueExample> examples) {
        List<DialogueExample> out = new ArrayList<>(examples.size());
        for (DialogueExample e : examples) {
            if (e.summaries().size() <= 1) {
                out.add(e);
            } else {
                for (String summary : e.summaries()) {
                    out.add(new DialogueExample(e.id(), e.dialogue(), List.of(summary), e.topic()));
                }
            }
        }
        return out;
    }

    /**
     * One line for the log, e.g. {@code train.json: 14732 rows read, 14731 used (0 merged), 1 skipped (line
     * 30272: empty dialogue) -> 14731 training pairs}.
     *
     * @return the account of the rows and the resulting examples, on one line
     */
    public String describe() {
        StringBuilder text = new StringBuilder()
                .append(report.file().getFileName()).append(": ")
                .append(rowsRead).append(" rows read, ")
                .append(rowsUsed).append(" used (").append(merged).append(" merged), ")
                .append(skipped).append(" skipped");
        if (beyondLimit > 0) {
            text.append(", ").append(beyondLimit).append(" beyond the limit");
        }
        if (skipped > 0) {
            int shown = Math.min(skipped, 5);
            text.append(" (");
            for (int i = 0; i < shown; i++) {
                text.append(i == 0 ? "" : "; ").append(report.skipped().get(i));
            }
            text.append(skipped > shown ? "; ...)" : ")");
        }
        text.append(" -> ").append(examples.size()).append(switch (use) {
            case TRAIN -> " training pairs";
            case EVALUATE -> merged > 0 ? " examples (rows of the same dialogue merged as references)" : " examples";
            case GENERATE -> " dialogues";
        });
        return text.toString();
    }
}
