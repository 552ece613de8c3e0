package dev.lora4j.data;

import java.util.List;

/**
 * The examples read from one file, in file order, with the report of what was read and skipped.
 *
 * @param examples the examples, in file order
 * @param report   how many rows were read and which were skipped
 */
public record LoadedDataset(List<DialogueExample> examples, LoadReport report) {

    /** Copies the examples into an unmodifiable list. */
    public LoadedDataset {
        examples = List.copyOf(examples);
    }

    /**
     * The number of examples loaded.
     *
     * @return the size of {@link #examples()}
     */
    public int size() {
        return examples.size();
    }
}
