package dev.lora4j.examples;

import dev.lora4j.data.CsvDialogueReader;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.FieldMapping;
import dev.lora4j.data.JsonArrayDialogueReader;
import dev.lora4j.data.JsonlDialogueReader;
import dev.lora4j.data.LoadedDataset;
import dev.lora4j.data.OnInvalid;
import dev.lora4j.data.ReadOptions;
import dev.lora4j.data.ReferenceGrouping;
import dev.lora4j.tensor.Lora4jException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How dialogue files are read: the format (guessed from the name unless given), field names for generic
 * JSONL/CSV/JSON files, what to do with invalid rows, and an optional limit. Skipped rows are always
 * reported, never dropped silently.
 */
final class DataOptions {
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "auto, dialogsum (JSONL), hf-csv (id,dialogue,summary,topic), samsum (JSON array), jsonl, csv, json "
                    + "(default: ${DEFAULT-VALUE}: by file name).")
    String format;

    @Option(names = "--dialogue-field", paramLabel = "NAME", description = "Dialogue field for jsonl/csv/json (default: dialogue).")
    String dialogueField = "dialogue";

    @Option(names = "--summary-field", paramLabel = "NAME", description = "Summary field for jsonl/csv/json (default: summary).")
    String summaryField = "summary";

    @Option(names = "--id-field", paramLabel = "NAME", description = "Id field for jsonl/csv/json (default: id; empty: rows have no id, numbered instead).")
    String idField = "id";

    @Option(names = "--on-invalid", paramLabel = "POLICY", defaultValue = "fail",
            description = "fail (default) or skip rows with missing/empty fields; skipped rows are listed.")
    String onInvalid;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N examples of each file.")
    Integer limit;

    List<DialogueExample> read(Path file, PrintStream log) {
        ReadOptions options = ReadOptions.defaults().withOnInvalid(switch (onInvalid.toLowerCase(Locale.ROOT)) {
            case "fail" -> OnInvalid.FAIL;
            case "skip" -> OnInvalid.SKIP;
            default -> throw new Lora4jException("cli", "--on-invalid must be fail or skip, got " + onInvalid);
        });
        LoadedDataset loaded = switch (resolveFormat(file)) {
            case "dialogsum" -> DialogueDatasets.dialogSum(file, options);
            case "hf-csv" -> DialogueDatasets.huggingFaceCsv(file, options);
            case "samsum" -> DialogueDatasets.samsum(file, options);
            case "jsonl" -> JsonlDialogueReader.read(file, mapping(), options);
            case "csv" -> CsvDialogueReader.read(file, mapping(), options);
            case "json" -> JsonArrayDialogueReader.read(file, mapping(), options);
            default -> throw new Lora4jException("cli", "unknown --format " + format
                    + " (expected dialogsum, hf-csv, samsum, jsonl, csv or json)");
        };
        if (loaded.report().skippedCount() > 0) {
            log.println(loaded.report().describe());
        }
        // The Hugging Face DialogSum test split repeats a dialogue once per reference: score them together.
        List<DialogueExample> examples = ReferenceGrouping.byDialogue(loaded.examples());
        if (examples.isEmpty()) {
            throw new Lora4jException("data", file + ": no examples");
        }
        if (limit != null) {
            if (limit < 1) {
                throw new Lora4jException("cli", "--limit must be positive, got " + limit);
            }
            examples = examples.subList(0, Math.min(limit, examples.size()));
        }
        return examples;
    }

    private FieldMapping mapping() {
        return new FieldMapping(idField.isEmpty() ? null : idField, dialogueField, List.of(summaryField), null);
    }

    private String resolveFormat(Path file) {
        String f = format.toLowerCase(Locale.ROOT);
        if (!f.equals("auto")) {
            return f;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl")) {
            return name.contains("dialogsum") ? "dialogsum" : "jsonl";
        }
        if (name.endsWith(".csv")) {
            return "hf-csv";
        }
        if (name.endsWith(".json")) {
            return "samsum";
        }
        throw new Lora4jException("cli", "cannot tell the format of " + file + " from its name: pass --format");
    }
}
