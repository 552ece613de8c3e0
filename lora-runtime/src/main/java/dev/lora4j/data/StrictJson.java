package dev.lora4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON settings of every reader: strict standard JSON. Duplicate keys are errors (Python's json module
 * would silently keep the last one, hiding a broken row), and text after a JSONL row's value is an error.
 */
final class StrictJson {
    private StrictJson() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Reads a whole JSONL line as one value: anything after that value makes the line malformed. */
    private static final ObjectReader SINGLE_VALUE = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static JsonNode readLine(String line) throws JacksonException {
        return SINGLE_VALUE.readTree(line);
    }

    /** A streaming parser, for files holding one array of rows. */
    static JsonParser parser(String text) throws java.io.IOException {
        return MAPPER.createParser(text);
    }
}
