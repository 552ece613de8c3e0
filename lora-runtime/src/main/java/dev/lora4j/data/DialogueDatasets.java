package dev.lora4j.data;

import dev.lora4j.io.StrictJson;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * Entry points for the dialogue-summarization datasets lora4j knows by layout. Each method has a variant
 * taking {@link ReadOptions} (invalid-row policy, line-ending normalization); the default fails on the
 * first invalid row and normalizes line endings. For other layouts use {@link JsonlDialogueReader},
 * {@link CsvDialogueReader} or {@link JsonArrayDialogueReader} with a {@link FieldMapping}.
 */
public final class DialogueDatasets {
    private DialogueDatasets() {}

    /**
     * A DialogSum JSONL split as the authors distribute it. Train and dev rows have one {@code summary};
     * test rows have {@code summary1..3}, which become three references. The layout is taken from the
     * first row. The hidden-test file has no summaries: read it with {@link FieldMapping#DIALOGSUM_DIALOGUE_ONLY}.
     *
     * @param file the JSONL file
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or a row is invalid
     */
    public static LoadedDataset dialogSum(Path file) {
        return dialogSum(file, ReadOptions.defaults());
    }

    /**
     * A DialogSum JSONL split, as {@link #dialogSum(Path)} reads it, with the given options.
     *
     * @param file    the JSONL file
     * @param options what to do with invalid rows and line endings
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read, or a row is invalid and the options
     *     say fail
     */
    public static LoadedDataset dialogSum(Path file, ReadOptions options) {
        return JsonlDialogueReader.read(file, dialogSumLayout(file), options);
    }

    /**
     * The Hugging Face CSV export ({@code id,dialogue,summary,topic}), one reference per row.
     *
     * @param file the CSV file, with a header row
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or a row is invalid
     */
    public static LoadedDataset huggingFaceCsv(Path file) {
        return huggingFaceCsv(file, ReadOptions.defaults());
    }

    /**
     * The Hugging Face CSV export, as {@link #huggingFaceCsv(Path)} reads it, with the given options.
     *
     * @param file    the CSV file, with a header row
     * @param options what to do with invalid rows and line endings
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read, or a row is invalid and the options
     *     say fail
     */
    public static LoadedDataset huggingFaceCsv(Path file, ReadOptions options) {
        return CsvDialogueReader.read(file, FieldMapping.HUGGING_FACE_CSV, options);
    }

    /**
     * A SAMSum split ({@code train.json}, {@code val.json}, {@code test.json}). Note that SAMSum train has one
     * row with an empty dialogue (id 13828807): it fails the default policy; read with
     * {@link OnInvalid#SKIP} to drop it, as most training scripts do.
     *
     * @param file the JSON file: one array of row objects
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or a row is invalid
     */
    public static LoadedDataset samsum(Path file) {
        return samsum(file, ReadOptions.defaults());
    }

    /**
     * A SAMSum split, as {@link #samsum(Path)} reads it, with the given options.
     *
     * @param file    the JSON file: one array of row objects
     * @param options what to do with invalid rows and line endings
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read, or a row is invalid and the options
     *     say fail
     */
    public static LoadedDataset samsum(Path file, ReadOptions options) {
        return JsonArrayDialogueReader.read(file, FieldMapping.SAMSUM, options);
    }

    /**
     * {@link FieldMapping#DIALOGSUM_TEST} if the first row has a {@code summary1} field, else
     * {@link FieldMapping#DIALOGSUM}. An unreadable first row picks the latter; the reader then reports it.
     */
    static FieldMapping dialogSumLayout(Path file) {
        String text = TextFiles.readUtf8(file);
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode first = StrictJson.parse(line);
                return first.has("summary1") ? FieldMapping.DIALOGSUM_TEST : FieldMapping.DIALOGSUM;
            } catch (JacksonException e) {
                return FieldMapping.DIALOGSUM;
            }
        }
        return FieldMapping.DIALOGSUM;
    }
}
