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
     */
    public static LoadedDataset dialogSum(Path file) {
        return dialogSum(file, ReadOptions.defaults());
    }

    public static LoadedDataset dialogSum(Path file, ReadOptions options) {
        return JsonlDialogueReader.read(file, dialogSumLayout(file), options);
    }

    /** The Hugging Face CSV export ({@code id,dialogue,summary,topic}), one reference per row. */
    public static LoadedDataset huggingFaceCsv(Path file) {
        return huggingFaceCsv(file, ReadOptions.defaults());
    }

    public static LoadedDataset huggingFaceCsv(Path file, ReadOptions options) {
        return CsvDialogueReader.read(file, FieldMapping.HUGGING_FACE_CSV, options);
    }

    /**
     * A SAMSum split ({@code train.json}, {@code val.json}, {@code test.json}). Note that SAMSum train has one
     * row with an empty dialogue (id 13828807): it fails the default policy; read with
     * {@link OnInvalid#SKIP} to drop it, as most training scripts do.
     */
    public static LoadedDataset samsum(Path file) {
        return samsum(file, ReadOptions.defaults());
    }

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
