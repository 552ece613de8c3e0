package dev.lora4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * The one JSON reader for files lora4j loads (safetensors headers, shard indexes, config.json, adapter
 * configs, data files: one JSONL row is one {@link #parse} call).
 * It is stricter than Jackson's defaults because these files decide which bytes we trust: a duplicate
 * key would let two readers of the same file disagree on a tensor's offsets, and trailing garbage after
 * the document usually means a truncated or spliced file.
 */
public final class StrictJson {
    /** Safetensors allows headers up to 100 MB; strings and names inside them may be that long too. */
    private static final int MAX_TOKEN_CHARS = 100_000_000;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /**
     * The same rules for a streaming parser, whose codec reads one array element at a time: the elements
     * after the current one are not "trailing tokens" there.
     */
    private static final ObjectMapper STREAMING = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        STREAMING.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_TOKEN_CHARS)
                .maxNameLength(MAX_TOKEN_CHARS)
                .build());
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_TOKEN_CHARS)
                .maxNameLength(MAX_TOKEN_CHARS)
                .build());
    }

    private StrictJson() {}

    /**
     * The shared mapper; also used for writing, where strictness does not matter.
     *
     * @return the strict mapper shared by every caller; do not reconfigure it
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Parses one JSON document. Throws {@link JsonProcessingException} on malformed JSON, duplicate
     * object keys or anything after the document but whitespace.
     *
     * @param text the JSON document
     * @return the document's tree
     * @throws JsonProcessingException when the text is not exactly one valid JSON document or repeats an
     *     object key
     */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /**
     * A streaming parser over text with the same rules (duplicate keys refused), for files holding one
     * large array of rows that should not become one tree.
     *
     * @param text the JSON text
     * @return a new parser positioned before the first token; close it when done
     * @throws java.io.IOException when the parser cannot be created
     */
    public static JsonParser parser(String text) throws java.io.IOException {
        return STREAMING.createParser(text);
    }
}
