package dev.lora4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer on its own: layout, header bytes, validation and atomic replacement. */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static String header(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(all, 8, (int) n, StandardCharsets.UTF_8);
    }

    @Test
    void exactHeaderBytesForASmallFile() throws IOException {
        Path p = dir.resolve("small.safetensors");
        new SafetensorsWriter()
                .add("w", DType.FLOAT32, new long[] {1, 2}, bytes(8, 0))
                .add("b", DType.FLOAT32, new long[] {2}, bytes(8, 1))
                .add("i", DType.INT64, new long[] {}, bytes(8, 2))
                .add("m", DType.BOOL, new long[] {3}, bytes(3, 3))
                .metadata(Map.of("format", "pt"))
                .write(p);
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[16,24]},"
                + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[24,27]}}";
        String h = header(p);
        assertEquals(0, h.length() % 8, "header padded to 8 bytes");
        assertEquals(json, h.stripTrailing());
        assertTrue(h.substring(json.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
        byte[] all = Files.readAllBytes(p);
        int data = 8 + h.length();
        assertArrayEquals(bytes(8, 2), Arrays.copyOfRange(all, data, data + 8));
        assertArrayEquals(bytes(8, 1), Arrays.copyOfRange(all, data + 8, data + 16));
        assertArrayEquals(bytes(3, 3), Arrays.copyOfRange(all, data + 24, data + 27));
        assertEquals(data + 27, all.length);
    }

    @Test
    void noMetadataMeansNoMetadataEntryAndEmptyMeansEmptyObject() throws IOException {
        Path none = dir.resolve("none.safetensors");
        new SafetensorsWriter().add("x", DType.UINT8, new long[] {1}, new byte[] {7}).write(none);
        assertEquals("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", header(none).stripTrailing());
        Path empty = dir.resolve("empty.safetensors");
        new SafetensorsWriter().metadata(Map.of()).write(empty);
        assertEquals("{\"__metadata__\":{}}", header(empty).stripTrailing());
    }

    @Test
    void stringsAreEscapedLikeSerdeJson() throws IOException {
        Path p = dir.resolve("esc.safetensors");
        String key = "q\"b\\s/\b\f\n\r\t\u0001\u001f\u007fé😀";
        new SafetensorsWriter().metadata(Map.of(key, "v")).write(p);
        assertEquals("{\"__metadata__\":{\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\u007fé😀\":\"v\"}}",
                header(p).stripTrailing());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of(key, "v"), f.metadata());
        }
    }

    @Test
    void namesSortByUtf8BytesWithinADType() throws IOException {
        // UTF-16 order would put the emoji (a surrogate pair, 0xD83D...) before U+FF61; UTF-8 (and Rust) after.
        Path p = dir.resolve("order.safetensors");
        new SafetensorsWriter()
                .add("😀", DType.UINT8, new long[] {1}, new byte[] {1})
                .add("\uFF61", DType.UINT8, new long[] {1}, new byte[] {2})
                .add("B", DType.UINT8, new long[] {1}, new byte[] {3})
                .add("a", DType.UINT8, new long[] {1}, new byte[] {4})
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("B", "a", "\uFF61", "😀"), f.names());
        }
    }

    @Test
    void dtypesAreOrderedByDescendingAlignment() throws IOException {
        Path p = dir.resolve("dtypes.safetensors");
        SafetensorsWriter w2 = new SafetensorsWriter();
        for (DType t : DType.values()) {
            w2.add(t.name(), t, new long[] {2}, bytes(2 * t.byteSize(), t.code()));
        }
        w2.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("INT64", "FLOAT64", "FLOAT32", "INT32", "BFLOAT16", "FLOAT16", "INT16", "INT8", "UINT8", "BOOL"),
                    f.names());
            for (DType t : DType.values()) {
                assertArrayEquals(bytes(2 * t.byteSize(), t.code()), f.data(t.name()).toArray(ValueLayout.JAVA_BYTE));
                assertEquals(0, f.info(t.name()).byteOffset() % t.byteSize(), "aligned to the element size");
            }
        }
    }

    @Test
    void writesNativeAndNonByteHeapSegments() throws IOException {
        Path p = dir.resolve("segments.safetensors");
        float[] floats = {1.5f, -2f, 3.25f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nat = arena.allocate(16);
            nat.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, 42L);
            nat.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8, -7L);
            new SafetensorsWriter()
                    .add("f", DType.FLOAT32, new long[] {3}, MemorySegment.ofArray(floats))
                    .add("l", DType.INT64, new long[] {2}, nat)
                    .write(p);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            MemorySegment fs = f.data("f");
            for (int i = 0; i < 3; i++) {
                assertEquals(floats[i], fs.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i));
            }
            assertEquals(-7L, f.data("l").get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
        }
    }

    @Test
    void invalidTensorsAreRefusedWhenAdded() {
        SafetensorsWriter w = new SafetensorsWriter().add("a", DType.FLOAT32, new long[] {2}, new byte[8]);
        assertTrue(assertThrows(Lora4jException.class, () -> w.add("a", DType.FLOAT32, new long[] {2}, new byte[8]))
                .getMessage().contains("\"a\" added twice"));
        assertTrue(assertThrows(Lora4jException.class, () -> w.add("b", DType.FLOAT32, new long[] {2, 3}, new byte[8]))
                .getMessage().contains("needs 24 bytes but the data has 8"));
        assertTrue(assertThrows(Lora4jException.class, () -> w.add("c", DType.FLOAT32, new long[] {-1}, new byte[0]))
                .getMessage().contains("negative"));
        assertTrue(assertThrows(Lora4jException.class,
                () -> w.add("d", DType.FLOAT64, new long[] {1L << 31, 1L << 31}, new byte[0])).getMessage().contains("overflows"));
        assertTrue(assertThrows(Lora4jException.class, () -> w.add("__metadata__", DType.UINT8, new long[] {0}, new byte[0]))
                .getMessage().contains("reserved"));
        assertTrue(assertThrows(Lora4jException.class, () -> w.add("bad\uD800", DType.UINT8, new long[] {0}, new byte[0]))
                .getMessage().contains("unpaired surrogate"));
        assertTrue(assertThrows(Lora4jException.class, () -> w.metadata(Map.of("k", "\uDC00")))
                .getMessage().contains("unpaired surrogate"));
        // A refused add leaves the name free, whichever check refused it (size, negative or overflowing shape).
        w.add("b", DType.FLOAT32, new long[] {2}, new byte[8]);
        w.add("c", DType.FLOAT32, new long[] {1}, new byte[4]);
        w.add("d", DType.FLOAT64, new long[] {1}, new byte[8]);
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path p = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("old", DType.UINT8, new long[] {1}, new byte[] {1}).write(p);
        new SafetensorsWriter().add("new", DType.UINT8, new long[] {2}, new byte[] {2, 3}).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("new"), f.names());
        }
        assertEquals(List.of(p), listDir());
    }

    @Test
    void aFailureMidwayLeavesThePreviousFileIntact() throws IOException {
        Path p = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("good", DType.FLOAT32, new long[] {4}, bytes(16, 9)).write(p);
        byte[] before = Files.readAllBytes(p);

        // "b" is written after "a" (same dtype, name order). Its memory is freed before the write, so the
        // writer fails after the header and the first tensor are already in the temporary file.
        Arena arena = Arena.ofConfined();
        MemorySegment gone = arena.allocate(1 << 20);
        arena.close();
        SafetensorsWriter w = new SafetensorsWriter()
                .add("a", DType.UINT8, new long[] {1 << 20}, new byte[1 << 20])
                .add("b", DType.UINT8, new long[] {1 << 20}, gone);
        assertThrows(IllegalStateException.class, () -> w.write(p));

        assertArrayEquals(before, Files.readAllBytes(p), "the old file must be untouched");
        assertEquals(List.of(p), listDir(), "the temporary file must be removed");
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("good"), f.names());
        }
    }

    @Test
    void anUnwritableDirectoryIsAnError() {
        Path p = dir.resolve("missing-dir").resolve("x.safetensors");
        Lora4jException e = assertThrows(Lora4jException.class, () -> new SafetensorsWriter().write(p));
        assertTrue(e.getMessage().contains("cannot write"), e.getMessage());
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
