package dev.lora4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Parses and validates the JSON header of a safetensors file. Validation is strict because the header
 * is untrusted input that decides which bytes of a memory mapping we hand out: every offset, size and
 * name is checked before any tensor becomes visible.
 *
 * <p>The rules follow the reference reader (huggingface/safetensors): the tensors' byte ranges must tile
 * the data region exactly, in order, with no gap, no overlap and nothing left over. A file that breaks
 * them would be refused by {@code safe_open} too, so accepting it would only hide a broken writer.
 */
final class SafetensorsHeader {
    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> TENSOR_FIELDS = Set.of("dtype", "shape", "data_offsets");

    /** The validated header: tensors in the order their bytes appear in the file, and the metadata. */
    record Parsed(List<TensorInfo> tensors, Map<String, String> metadata) {}

    private SafetensorsHeader() {}

    /**
     * @param header the header bytes (without the 8-byte length prefix)
     * @param dataStart file offset of the data region (8 + header length)
     * @param dataLength size of the data region in bytes
     * @param source the file, named in every error message
     */
    static Parsed parse(byte[] header, long dataStart, long dataLength, String source) {
        JsonNode root = parseJson(decodeUtf8(header, source), source);
        if (!root.isObject()) {
            throw error(source, "header must be a JSON object, found " + describe(root));
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(field.getValue(), source);
            } else {
                tensors.add(parseTensor(field.getKey(), field.getValue(), dataStart, dataLength, source));
            }
        }
        return new Parsed(checkTiling(tensors, dataStart, dataLength, source), metadata);
    }

    private static String decodeUtf8(byte[] header, String source) {
        try {
            // REPORT instead of the default REPLACE: a malformed header must fail, not turn into U+FFFD.
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error(source, "header is not valid UTF-8");
        }
    }

    private static JsonNode parseJson(String text, String source) {
        try {
            return StrictJson.parse(text);
        } catch (JsonProcessingException e) {
            throw new Lora4jException("safetensors",
                    source + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, String> parseMetadata(JsonNode node, String source) {
        if (node.isNull()) {
            return Map.of(); // the reference reader treats "__metadata__": null as absent
        }
        if (!node.isObject()) {
            throw error(source, METADATA_KEY + " must be an object of strings, found " + describe(node));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(source, METADATA_KEY + " value for \"" + e.getKey() + "\" must be a string, found "
                        + describe(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseTensor(String name, JsonNode node, long dataStart, long dataLength,
                                          String source) {
        if (!node.isObject()) {
            throw tensorError(source, name, "entry must be an object, found " + describe(node));
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String field = e.getKey();
            if (!TENSOR_FIELDS.contains(field)) {
                throw tensorError(source, name, "unknown field \"" + field
                        + "\" (allowed: dtype, shape, data_offsets)");
            }
        }
        DType dtype = parseDType(name, node.get("dtype"), source);
        long[] shape = parseShape(name, node.get("shape"), source);
        long[] offsets = parseOffsets(name, node.get("data_offsets"), dataLength, source);

        long expected = byteLength(name, dtype, shape, source);
        long actual = offsets[1] - offsets[0];
        if (expected != actual) {
            throw tensorError(source, name, "shape " + Arrays.toString(shape) + " of " + dtype.safetensorsName()
                    + " needs " + expected + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1]
                    + "] span " + actual);
        }
        return new TensorInfo(name, dtype, shape, dataStart + offsets[0], actual);
    }

    private static DType parseDType(String name, JsonNode node, String source) {
        if (node == null) {
            throw tensorError(source, name, "missing field \"dtype\"");
        }
        if (!node.isTextual()) {
            throw tensorError(source, name, "dtype must be a string, found " + describe(node));
        }
        String text = node.textValue();
        for (DType t : DType.values()) {
            if (t.safetensorsName().equals(text)) {
                return t;
            }
        }
        // F8_*, U16, U32, U64 and the packed types are valid safetensors dtypes lora4j has no use for.
        String known = Arrays.stream(DType.values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
        throw tensorError(source, name, "unsupported dtype \"" + text + "\" (lora4j reads " + known + ")");
    }

    private static long[] parseShape(String name, JsonNode node, String source) {
        if (node == null) {
            throw tensorError(source, name, "missing field \"shape\"");
        }
        if (!node.isArray()) {
            throw tensorError(source, name, "shape must be an array, found " + describe(node));
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(name, "shape[" + i + "]", node.get(i), source);
        }
        return shape;
    }

    private static long[] parseOffsets(String name, JsonNode node, long dataLength, String source) {
        if (node == null) {
            throw tensorError(source, name, "missing field \"data_offsets\"");
        }
        if (!node.isArray() || node.size() != 2) {
            throw tensorError(source, name, "data_offsets must be an array of two integers, found " + node);
        }
        long begin = nonNegativeLong(name, "data_offsets[0]", node.get(0), source);
        long end = nonNegativeLong(name, "data_offsets[1]", node.get(1), source);
        if (begin > end) {
            throw tensorError(source, name, "data_offsets [" + begin + ", " + end + "] begin after they end");
        }
        if (end > dataLength) {
            throw tensorError(source, name, "data_offsets [" + begin + ", " + end
                    + "] run past the end of the data region (" + dataLength + " bytes)");
        }
        return new long[] {begin, end};
    }

    private static long nonNegativeLong(String name, String what, JsonNode node, String source) {
        if (!node.isIntegralNumber()) {
            throw tensorError(source, name, what + " must be a non-negative integer, found " + describe(node));
        }
        if (!node.canConvertToLong()) {
            throw tensorError(source, name, what + " = " + node.asText() + " does not fit in 64 bits");
        }
        long v = node.longValue();
        if (v < 0) {
            throw tensorError(source, name, what + " = " + v + " is negative");
        }
        return v;
    }

    /** product(shape) × element size, refusing any overflow rather than wrapping into a small size. */
    private static long byteLength(String name, DType dtype, long[] shape, String source) {
        try {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return Math.multiplyExact(n, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw tensorError(source, name, "shape " + Arrays.toString(shape) + " of " + dtype.safetensorsName()
                    + " overflows a 64-bit byte count");
        }
    }

    /**
     * Sorts the tensors by their byte range and checks that the ranges tile the data region: each one
     * starts where the previous ended and the last ends at the end of the file.
     */
    private static List<TensorInfo> checkTiling(List<TensorInfo> tensors, long dataStart, long dataLength,
                                                String source) {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        // Stable sort: empty tensors sharing an offset keep their header order.
        sorted.sort(Comparator.comparingLong(TensorInfo::byteOffset).thenComparingLong(TensorInfo::byteLength));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            long begin = t.byteOffset() - dataStart;
            long end = begin + t.byteLength();
            if (begin < expected) {
                throw tensorError(source, t.name(), "bytes [" + begin + ", " + end + ") overlap tensor \""
                        + previous.name() + "\" which ends at " + expected);
            }
            if (begin > expected) {
                throw tensorError(source, t.name(), "starts at " + begin + " but the previous tensor ends at "
                        + expected + ": bytes [" + expected + ", " + begin + ") of the data region belong to no tensor");
            }
            expected = end;
            previous = t;
        }
        if (expected != dataLength) {
            throw error(source, "the data region has " + dataLength + " bytes but the tensors cover only "
                    + expected + " (trailing bytes after the last tensor)");
        }
        return List.copyOf(sorted);
    }

    private static String describe(JsonNode node) {
        String kind = switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "nothing";
        };
        String text = node.toString();
        return node.isMissingNode() ? kind : kind + " " + (text.length() > 60 ? text.substring(0, 60) + "..." : text);
    }

    static Lora4jException error(String source, String message) {
        return new Lora4jException("safetensors", source + ": " + message);
    }

    static Lora4jException tensorError(String source, String name, String message) {
        return new Lora4jException("safetensors", source + ": tensor \"" + name + "\": " + message);
    }
}
