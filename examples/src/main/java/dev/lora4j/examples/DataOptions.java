package dev.lora4j.examples;

import dev.lora4j.data.CsvDialogueReader;
import dev.lora4j.data.DataUse;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.FieldMapping;
import dev.lora4j.data.JsonArrayDialogueReader;
import dev.lora4j.data.JsonlDialogueReader;
import dev.lora4j.data.LoadedDataset;
import dev.lora4j.data.OnInvalid;
import dev.lora4j.data.PreparedData;
import dev.lora4j.data.ReadOptions;
import dev.lora4j.Lora4jException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How dialogue files are read: the format (guessed from the name unless given), field names for generic
 * JSONL/CSV/JSON files, what to do with invalid rows, and an optional limit. Every command prints how many
 * rows it read, used, merged and skipped: nothing is dropped silently.
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

    /**
     * Reads file for use and prints one line accounting for every row (read, used, merged, skipped).
     * Only evaluation merges rows of the same dialogue; generation needs no summary field.
     */
    List<DialogueExample> read(Path file, DataUse use, PrintStream log) {
        ReadOptions options = ReadOptions.defaults().withOnInvalid(switch (onInvalid.toLowerCase(Locale.ROOT)) {
            case "fail" -> OnInvalid.FAIL;
            case "skip" -> OnInvalid.SKIP;
            default -> throw new Lora4jException("cli", "--on-invalid must be fail or skip, got " + onInvalid);
        });
        if (limit != null && limit < 1) {
            throw new Lora4jException("cli", "--limit must be positive, got " + limit);
        }
        if (java.nio.file.Files.isDirectory(file)) {
            throw new Lora4jException("cli", file + " is a directory, not a data file: name a .jsonl, .csv or .json file");
        }
        if (!java.nio.file.Files.exists(file)) {
            throw new Lora4jException("cli", file + " does not exist");
        }
        boolean labels = use != DataUse.GENERATE;
        LoadedDataset loaded = switch (resolveFormat(file)) {
            case "dialogsum" -> labels ? DialogueDatasets.dialogSum(file, options)
                    : JsonlDialogueReader.read(file, FieldMapping.DIALOGSUM_DIALOGUE_ONLY, options);
            case "hf-csv" -> labels ? DialogueDatasets.huggingFaceCsv(file, options)
                    : CsvDialogueReader.read(file, unlabeled(FieldMapping.HUGGING_FACE_CSV), options);
            case "samsum" -> labels ? DialogueDatasets.samsum(file, options)
                    : JsonArrayDialogueReader.read(file, unlabeled(FieldMapping.SAMSUM), options);
            case "jsonl" -> JsonlDialogueReader.read(file, mapping(labels), options);
            case "csv" -> CsvDialogueReader.read(file, mapping(labels), options);
            case "json" -> JsonArrayDialogueReader.read(file, mapping(labels), options);
            default -> throw new Lora4jException("cli", "unknown --format " + format
                    + " (expected dialogsum, hf-csv, samsum, jsonl, csv or json)");
        };
        PreparedData prepared = PreparedData.of(loaded, use, limit);
        log.println(prepared.describe());
        if (prepared.examples().isEmpty()) {
            throw new Lora4jException("data", file + ": no examples");
        }
        return prepared.examples();
    }

    private static FieldMapping unlabeled(FieldMapping m) {
        return new FieldMapping(m.idField(), m.dialogueField(), List.of(), null);
    }

    private FieldMapping mapping(boolean labels) {
        return new FieldMapping(idField.isEmpty() ? null : idField, dialogueField, labels ? List.of(summaryField) : List.of(), null);
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
