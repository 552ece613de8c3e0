package dev.lora4j.examples.report;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rows of a run's JSONL files, keeping each row's line number for error messages. A run killed
 * mid-write leaves its last line cut short and without a newline: only that line is forgiven (skipped);
 * a malformed line anywhere else is an error.
 */
final class JsonLines {
    /** Bare NaN and Infinity are allowed because Python's json module writes them. */
    private static final ObjectReader READER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build()
            .reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One JSON object and where it came from. */
    record Row(Path file, long line, JsonNode node) {
        /** The row's non-negative integer "step". */
        long step() {
            JsonNode value = node.get("step");
            if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
                throw error("\"step\" must be a non-negative integer, found " + describe(value));
            }
            return value.asLong();
        }

        boolean has(String field) {
            return node.has(field);
        }

        /** A numeric field (NaN allowed); an absent or non-numeric one is an error. */
        double number(String field) {
            JsonNode value = node.get(field);
            if (value == null || !value.isNumber()) {
                throw error("\"" + field + "\" must be a number, found " + describe(value));
            }
            return value.asDouble();
        }

        /** A numeric field, or NaN when absent or null. */
        double optionalNumber(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? Double.NaN : number(field);
        }

        MalformedLineException error(String problem) {
            return new MalformedLineException(file, line, problem);
        }

        private static String describe(JsonNode value) {
            if (value == null) {
                return "nothing";
            }
            String text = value.toString();
            return text.length() > 40 ? text.substring(0, 40) + "..." : text;
        }
    }

    private JsonLines() {}

    /** Every non-blank row of {@code file}, each a JSON object. */
    static List<Row> read(Path file) throws IOException {
        String text = readUtf8(file);
        String[] lines = text.split("\n", -1);
        // The piece after the last newline is a line only if the file does not end with one.
        boolean lastLineUnterminated = !text.endsWith("\n");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            long lineNumber = i + 1L;
            JsonNode node;
            try {
                node = READER.readTree(line);
            } catch (JacksonException e) {
                if (i == lines.length - 1 && lastLineUnterminated) {
                    continue; // cut short by an interrupted write, see the class comment
                }
                throw new MalformedLineException(file, lineNumber, "malformed JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new MalformedLineException(file, lineNumber, "expected a JSON object, found "
                        + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
            }
            rows.add(new Row(file, lineNumber, node));
        }
        return rows;
    }

    private static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString()
                    .replace("\r", ""); // JSON has no raw CR inside strings, so this only undoes CRLF line ends
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        }
    }
}
