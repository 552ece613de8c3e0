package dev.lora4j.data;

import java.util.List;

/** The examples read from one file, in file order, with the report of what was read and skipped. */
public record LoadedDataset(List<DialogueExample> examples, LoadReport report) {

    public LoadedDataset {
        examples = List.copyOf(examples);
    }

    public int size() {
        return examples.size();
    }
}
