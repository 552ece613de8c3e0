package dev.lora4j.data;

import dev.lora4j.io.StrictJson;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * Reads JSON Lines: one JSON object per line (DialogSum's format). Blank lines are ignored. A line that
 * is not valid JSON, or lacks a mapped field, is an invalid row: its neighbours are unaffected, so under
 * {@link OnInvalid#SKIP} the rest of the file still loads.
 */
public final class JsonlDialogueReader {
    private JsonlDialogueReader() {}

    /**
     * Reads a file, failing on the first invalid row and normalizing line endings.
     *
     * @param file    the JSONL file, UTF-8
     * @param mapping which fields hold the parts of an example
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or a row is invalid
     */
    public static LoadedDataset read(Path file, FieldMapping mapping) {
        return read(file, mapping, ReadOptions.defaults());
    }

    /**
     * Reads a file with the given options.
     *
     * @param file    the JSONL file, UTF-8
     * @param mapping which fields hold the parts of an example
     * @param options what to do with invalid rows and line endings
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or is malformed, or a row is invalid
     *     and the options say fail
     */
    public static LoadedDataset read(Path file, FieldMapping mapping, ReadOptions options) {
        String text = TextFiles.readUtf8(file);
        RowConverter converter = new RowConverter(mapping, options);
        RowCollector rows = new RowCollector(file, options.onInvalid());
        long lineNumber = 0;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(start, end);
            start = end + 1;
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode row;
            try {
                row = StrictJson.parse(line);
            } catch (JacksonException e) {
                rows.reject(lineNumber, "malformed JSON: " + e.getOriginalMessage());
                continue;
            }
            try {
                rows.accept(converter.convert(row, lineNumber));
            } catch (InvalidRowException e) {
                rows.reject(lineNumber, e.getMessage());
            }
        }
        return rows.finish();
    }
}
