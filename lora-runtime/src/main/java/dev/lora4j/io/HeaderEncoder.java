package dev.lora4j.io;

import dev.lora4j.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Lays out tensors and encodes the header exactly as the reference writer (safetensors 0.8.0,
 * {@code safetensors.torch.save_file}) does, so that the same tensors give the same bytes:
 * <ul>
 *   <li>tensors sorted by dtype, largest alignment first, then by name (byte-wise UTF-8 order, which is
 *       how Rust compares strings); data packed back to back in that order;</li>
 *   <li>compact JSON: {@code __metadata__} first if given, then each tensor as
 *       {@code {"dtype":..,"shape":[..],"data_offsets":[b,e]}} in layout order;</li>
 *   <li>strings escaped as serde_json does: {@code \"}, {@code \\}, the short escapes for
 *       \b \t \n \f \r, a backslash-u escape with lowercase hex for other control characters, all else raw UTF-8;</li>
 *   <li>the header padded with spaces to a multiple of 8 bytes, so the data region (and with the
 *       dtype ordering, every tensor) is aligned.</li>
 * </ul>
 * One difference is deliberate: the reference keeps metadata in a Rust HashMap, whose order changes
 * from run to run; we write metadata keys sorted, so our output is reproducible.
 */
final class HeaderEncoder {
    /** What the writer knows about one tensor. {@code nameUtf8} is kept for the byte-wise sort. */
    record Entry(String name, byte[] nameUtf8, DType dtype, long[] shape, MemorySegment data) {}

    /** Where the laid-out tensors go: entries in file order and the encoded, padded header. */
    record Layout(List<Entry> order, byte[] header) {}

    private HeaderEncoder() {}

    static Layout layout(List<Entry> entries, Map<String, String> metadata) {
        List<Entry> order = new ArrayList<>(entries);
        order.sort(Comparator.<Entry>comparingInt(e -> -alignmentRank(e.dtype()))
                .thenComparing(Entry::nameUtf8, Arrays::compareUnsigned));

        StringBuilder json = new StringBuilder("{");
        boolean first = true;
        if (metadata != null) {
            json.append('"').append(SafetensorsHeader.METADATA_KEY).append("\":{");
            List<String> keys = new ArrayList<>(metadata.keySet());
            keys.sort((a, b) -> Arrays.compareUnsigned(utf8(a), utf8(b)));
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) {
                    json.append(',');
                }
                appendString(json, keys.get(i));
                json.append(':');
                appendString(json, metadata.get(keys.get(i)));
            }
            json.append('}');
            first = false;
        }
        long offset = 0;
        for (Entry e : order) {
            if (!first) {
                json.append(',');
            }
            first = false;
            long length = e.data().byteSize();
            appendString(json, e.name());
            json.append(":{\"dtype\":\"").append(e.dtype().safetensorsName()).append("\",\"shape\":[");
            for (int i = 0; i < e.shape().length; i++) {
                if (i > 0) {
                    json.append(',');
                }
                json.append(e.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + length).append("]}");
            offset += length;
        }
        json.append('}');

        byte[] unpadded = utf8(json.toString());
        int padded = (unpadded.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(unpadded, padded);
        Arrays.fill(header, unpadded.length, padded, (byte) ' ');
        return new Layout(List.copyOf(order), header);
    }

    /**
     * The position of each dtype in the reference's Dtype enum, which is declared in increasing
     * alignment order (BOOL, U8, I8, F8_*, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, ...).
     * Only the relative order matters. Checked byte-for-byte against safetensors 0.8.0 in the tests.
     */
    static int alignmentRank(DType dtype) {
        return switch (dtype) {
            case BOOL -> 0;
            case UINT8 -> 1;
            case INT8 -> 2;
            case INT16 -> 3;
            case FLOAT16 -> 4;
            case BFLOAT16 -> 5;
            case INT32 -> 6;
            case FLOAT32 -> 7;
            case FLOAT64 -> 8;
            case INT64 -> 9;
        };
    }

    private static void appendString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** UTF-8 bytes; callers have already rejected unpaired surrogates, which would not round-trip. */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
