package dev.lora4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lora4j.testing.FuzzBudget;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets: the three dialogue readers, under both invalid-row policies. A file either loads (every
 * example with a non-blank dialogue, and the report's counts consistent) or is refused with a
 * {@link Lora4jException}; no other exception escapes. JAZZER_FUZZ=1 fuzzes (docs/RELIABILITY.md).
 */
class DataReadersFuzzTest {
    private static final FieldMapping MAPPING = new FieldMapping("id", "dialogue", java.util.List.of("summary"), "topic");
    private static Path dir;

    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void jsonl(byte[] file) throws IOException {
        read(file, "data.jsonl", (f, o) -> JsonlDialogueReader.read(f, MAPPING, o));
    }

    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void csv(byte[] file) throws IOException {
        read(file, "data.csv", (f, o) -> CsvDialogueReader.read(f, MAPPING, o));
    }

    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void jsonArray(byte[] file) throws IOException {
        read(file, "data.json", (f, o) -> JsonArrayDialogueReader.read(f, MAPPING, o));
    }

    private interface Reader {
        LoadedDataset read(Path file, ReadOptions options);
    }

    private static void read(byte[] bytes, String name, Reader reader) throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("lora4j-fuzz-data");
            dir.toFile().deleteOnExit();
        }
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        try {
            for (OnInvalid policy : OnInvalid.values()) {
                try {
                    LoadedDataset loaded = reader.read(file, ReadOptions.defaults().withOnInvalid(policy));
                    LoadReport report = loaded.report();
                    if (report.examplesLoaded() != loaded.size() || report.examplesLoaded() + report.skippedCount() != report.rowsRead()) {
                        throw new AssertionError("inconsistent report: " + report.describe());
                    }
                    for (DialogueExample e : loaded.examples()) {
                        if (e.dialogue().isBlank() || e.summaries().stream().anyMatch(String::isBlank)) {
                            throw new AssertionError("blank text accepted: " + e);
                        }
                    }
                    PreparedData.of(loaded, DataUse.EVALUATE, 3).describe();
                } catch (Lora4jException expected) {
                    // refused with a message: the contract
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
