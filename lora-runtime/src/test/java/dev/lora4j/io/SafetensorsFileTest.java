package dev.lora4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading valid files, and refusing hostile ones with a message that names the file and the tensor. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    // ---- helpers: build raw files byte by byte, so the reader is tested on files no writer would make ----

    private Path raw(long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header).put(data);
        Path p = dir.resolve("t" + System.nanoTime() + ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[dataBytes];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        return raw(h.length, h, data);
    }

    /** Opens a file that must be refused; returns the message, which must name the file. */
    private String refused(Path p) {
        Lora4jException e = assertThrows(Lora4jException.class, () -> SafetensorsFile.open(p).close());
        assertEquals("safetensors", e.op());
        assertTrue(e.getMessage().contains(p.toString()), "message should name the file: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
        }
    }

    // ---- valid files ----

    @Test
    void readsTensorsMetadataAndZeroCopyData() throws IOException {
        Path p = file("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[16,19]}}   ", 19);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("a", "b"), f.names());
            assertEquals(Map.of("format", "pt"), f.metadata());
            TensorInfo a = f.info("a");
            assertEquals(DType.FLOAT32, a.dtype());
            assertArrayEquals(new long[] {2, 2}, a.shape());
            long dataStart = Files.size(p) - 19;
            assertEquals(dataStart, a.byteOffset());
            assertEquals(16, a.byteLength());
            assertEquals(4, a.numel());
            MemorySegment b = f.data("b");
            assertArrayEquals(new byte[] {16, 17, 18}, b.toArray(ValueLayout.JAVA_BYTE));
            assertTrue(b.isReadOnly());
            assertTrue(b.isMapped(), "data must be a slice of the file mapping, not a copy");
            assertFalse(f.contains("c"));
            assertContains(assertThrows(Lora4jException.class, () -> f.info("c")).getMessage(), "no tensor named \"c\"");
        }
    }

    @Test
    void segmentsDieWithTheFile() throws IOException {
        Path p = file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        SafetensorsFile f = SafetensorsFile.open(p);
        MemorySegment a = f.data("a");
        assertEquals(3, a.get(ValueLayout.JAVA_BYTE, 3));
        f.close();
        f.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> a.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void scalarsEmptyTensorsAndNoTensors() throws IOException {
        Path p = file("{\"e\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"e2\":{\"dtype\":\"BOOL\",\"shape\":[5,0],\"data_offsets\":[8,8]}}", 8);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(1, f.info("s").numel());
            assertEquals(0, f.info("s").rank());
            assertEquals(0, f.info("e").numel());
            assertEquals(0, f.data("e").byteSize());
            assertEquals(8, f.data("s").byteSize());
            assertEquals(Map.of(), f.metadata());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file("{}", 0))) {
            assertEquals(List.of(), f.names());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file("{\"__metadata__\":null}", 0))) {
            assertEquals(Map.of(), f.metadata());
        }
    }

    @Test
    void namesFollowTheBytesNotTheHeaderOrder() throws IOException {
        Path p = file("{\"z\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[2,3]},"
                + "\"y\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 3);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("y", "z"), f.names());
            assertEquals(2, f.data("z").get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void everyDTypeIsRead() throws IOException {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (DType t : DType.values()) {
            if (off > 0) {
                h.append(',');
            }
            h.append('"').append(t.name()).append("\":{\"dtype\":\"").append(t.safetensorsName())
                    .append("\",\"shape\":[3],\"data_offsets\":[").append(off).append(',').append(off + 3L * t.byteSize()).append("]}");
            off += 3L * t.byteSize();
        }
        h.append('}');
        try (SafetensorsFile f = SafetensorsFile.open(file(h.toString(), (int) off))) {
            for (DType t : DType.values()) {
                assertEquals(t, f.info(t.name()).dtype());
                assertEquals(3L * t.byteSize(), f.data(t.name()).byteSize());
            }
        }
    }

    // ---- hostile files: framing ----

    @Test
    void truncatedFiles() throws IOException {
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        assertContains(refused(empty), "0 bytes", "too short");
        Path five = dir.resolve("five.safetensors");
        Files.write(five, new byte[] {1, 2, 3, 4, 5});
        assertContains(refused(five), "5 bytes");

        // A header that claims more bytes than the file has.
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        assertContains(refused(raw(100, h, new byte[0])), "header length 100", "runs past the end");

        // A tensor whose bytes were cut off.
        assertContains(refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 10)),
                "tensor \"a\"", "run past the end of the data region (10 bytes)");
    }

    @Test
    void hugeHeaderLengths() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        assertContains(refused(raw(-1L, h, new byte[0])), "18446744073709551615", "exceeds");
        assertContains(refused(raw(Long.MIN_VALUE, h, new byte[0])), "9223372036854775808", "exceeds");
        assertContains(refused(raw(100_000_001L, h, new byte[0])), "100000001", "exceeds the 100000000-byte limit");
    }

    @Test
    void headerMustBeUtf8JsonObject() throws IOException {
        assertContains(refused(file("[]", 0)), "must be a JSON object", "array");
        assertContains(refused(file("\"x\"", 0)), "must be a JSON object");
        assertContains(refused(file("", 0)), "must be a JSON object");
        assertContains(refused(file("{\"a\":", 0)), "not valid JSON");
        assertContains(refused(file("{\"a\":{}}} ", 0)), "not valid JSON");
        assertContains(refused(file("{} {}", 0)), "not valid JSON");
        assertContains(refused(file("{'a':1}", 0)), "not valid JSON");
        assertContains(refused(file("{}\0\0", 0)), "not valid JSON");
        byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertContains(refused(raw(bad.length, bad, new byte[0])), "not valid UTF-8");
    }

    @Test
    void duplicateKeysAreRefused() throws IOException {
        String t = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
        assertContains(refused(file("{\"a\":" + t + ",\"a\":" + t + "}", 1)), "not valid JSON", "Duplicate field 'a'");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1)),
                "Duplicate", "dtype");
        assertContains(refused(file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0)), "Duplicate");
    }

    // ---- hostile files: tensor entries ----

    @Test
    void shapesMustBeNonNegativeIntegers() throws IOException {
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0)),
                "tensor \"a\"", "shape[0] = -1 is negative");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", 0)),
                "shape[0] must be a non-negative integer");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[\"2\"],\"data_offsets\":[0,0]}}", 0)),
                "shape[0] must be a non-negative integer");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1,99999999999999999999],\"data_offsets\":[0,0]}}", 0)),
                "shape[1] = 99999999999999999999 does not fit in 64 bits");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":2,\"data_offsets\":[0,2]}}", 2)),
                "shape must be an array");
    }

    @Test
    void overflowingShapesAreRefused() throws IOException {
        // 2^32 * 2^32 wraps to 0 in 64-bit arithmetic, which would match an empty byte range.
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0)),
                "tensor \"a\"", "overflows");
        // The element count fits, the byte count (x 8) does not.
        assertContains(refused(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", 0)),
                "overflows");
    }

    @Test
    void byteLengthMustMatchShapeAndDType() throws IOException {
        assertContains(refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20)),
                "tensor \"w\"", "needs 24 bytes", "span 20");
        assertContains(refused(file("{\"w\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,4]}}", 4)),
                "needs 2 bytes");
    }

    @Test
    void offsetsMustBeValid() throws IOException {
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", 4)),
                "tensor \"a\"", "begin after they end");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 2)),
                "array of two integers");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 2)),
                "data_offsets[0] = -1 is negative");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,18446744073709551617]}}", 2)),
                "does not fit in 64 bits");
    }

    @Test
    void overlappingRangesAreRefused() throws IOException {
        String m = refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6));
        assertContains(m, "tensor \"b\"", "overlap tensor \"a\"");
        // Two names for the very same bytes are an overlap too.
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4)), "overlap");
    }

    @Test
    void gapsAndTrailingBytesAreRefused() throws IOException {
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}", 6)),
                "tensor \"b\"", "belong to no tensor");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5)),
                "5 bytes", "cover only 2");
    }

    @Test
    void dtypesMustBeKnownAndSupported() throws IOException {
        for (String dt : List.of("U16", "U32", "U64", "F8_E4M3", "F8_E5M2")) {
            assertContains(refused(file("{\"q\":{\"dtype\":\"" + dt + "\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0)),
                    "tensor \"q\"", "unsupported dtype \"" + dt + "\"", "F32");
        }
        assertContains(refused(file("{\"q\":{\"dtype\":\"float32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0)),
                "unsupported dtype \"float32\"");
        assertContains(refused(file("{\"q\":{\"dtype\":7,\"shape\":[0],\"data_offsets\":[0,0]}}", 0)),
                "dtype must be a string");
    }

    @Test
    void tensorEntriesHaveExactlyThreeFields() throws IOException {
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"extra\":1}}", 0)),
                "tensor \"a\"", "unknown field \"extra\"");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,0]}}", 0)), "missing field \"shape\"");
        assertContains(refused(file("{\"a\":{\"shape\":[0],\"data_offsets\":[0,0]}}", 0)), "missing field \"dtype\"");
        assertContains(refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0]}}", 0)), "missing field \"data_offsets\"");
        assertContains(refused(file("{\"a\":[1,2]}", 0)), "tensor \"a\"", "must be an object");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        assertContains(refused(file("{\"__metadata__\":{\"n\":1}}", 0)), "__metadata__ value for \"n\" must be a string");
        assertContains(refused(file("{\"__metadata__\":[\"x\"]}", 0)), "__metadata__ must be an object");
    }

    @Test
    void missingFileIsAnError() {
        Path p = dir.resolve("nope.safetensors");
        Lora4jException e = assertThrows(Lora4jException.class, () -> SafetensorsFile.open(p));
        assertContains(e.getMessage(), p.toString(), "cannot read");
    }
}
