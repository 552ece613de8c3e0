package dev.lora4j.data;

import dev.lora4j.io.StrictJson;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads a file holding one JSON array of row objects (SAMSum's format). Each element's line number is the
 * line its value starts on. An element that is not an object or lacks a mapped field is an invalid row;
 * a JSON syntax error always fails the load, whatever the policy, because after it no element boundary
 * can be trusted.
 */
public final class JsonArrayDialogueReader {
    private JsonArrayDialogueReader() {}

    /**
     * Reads a file, failing on the first invalid row and normalizing line endings.
     *
     * @param file    the JSON file, UTF-8: one array of row objects
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
     * @param file    the JSON file, UTF-8: one array of row objects
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
        try (JsonParser parser = StrictJson.parser(text)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new Lora4jException("data", RowCollector.location(file, parser.currentLocation().getLineNr())
                        + ": expected a JSON array of rows");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token == null) {
                    throw new Lora4jException("data", RowCollector.location(file, parser.currentLocation().getLineNr())
                            + ": the JSON array is not closed");
                }
                long line = parser.currentTokenLocation().getLineNr();
                JsonNode element = parser.readValueAsTree();
                try {
                    rows.accept(converter.convert(element, line));
                } catch (InvalidRowException e) {
                    rows.reject(line, e.getMessage());
                }
            }
            if (parser.nextToken() != null) {
                throw new Lora4jException("data", RowCollector.location(file, parser.currentTokenLocation().getLineNr())
                        + ": unexpected content after the JSON array");
            }
        } catch (JacksonException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new Lora4jException("data", RowCollector.location(file, line)
                    + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new Lora4jException("data", "cannot parse " + file + ": " + e.getMessage(), e);
        }
        return rows.finish();
    }
}
