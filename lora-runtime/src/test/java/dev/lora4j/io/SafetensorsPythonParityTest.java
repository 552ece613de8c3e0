package dev.lora4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lora4j.tensor.DType;
import dev.lora4j.testing.PythonReference;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity with the reference implementation in the pinned venv (torch 2.11.0, safetensors 0.8.0):
 * files written by {@code safetensors.torch.save_file} are read byte for byte, files we write are read
 * by {@code safe_open} with the values we meant, and for the same tensors and metadata both writers
 * produce identical files.
 */
class SafetensorsPythonParityTest {
    /** Python prints NaN and Infinity for float specials; only the test needs to read them. */
    private static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ Python writes, Java reads

    private static final String PY_WRITE = """
            import sys, json, hashlib, torch
            from safetensors.torch import save_file
            out = sys.argv[1]
            g = torch.Generator().manual_seed(1234)
            ST = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                  torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
                  torch.uint8: "U8", torch.bool: "BOOL"}
            def rnd(shape, dt):
                if dt == torch.bool:
                    return torch.randint(0, 2, shape, generator=g).bool()
                if dt.is_floating_point:
                    return (torch.randn(shape, generator=g, dtype=torch.float64) * 100).to(dt)
                info = torch.iinfo(dt)
                return torch.randint(int(info.min), int(info.max), shape, generator=g, dtype=torch.int64).to(dt)
            tensors = {}
            for dt, name in ST.items():
                tensors[name + ".matrix"] = rnd((3, 5), dt)
                tensors[name + ".scalar"] = rnd((), dt)
                tensors[name + ".empty"] = rnd((0, 3), dt)
            tensors["F32.big"] = rnd((64, 48), torch.float32)
            tensors["F32.specials"] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45, 3.4e38])
            tensors["I64.extremes"] = torch.tensor([-2**63, 2**63 - 1, 0, -1], dtype=torch.int64)
            tensors["ünïcode.名前"] = rnd((2,), torch.float32)
            tensors["😀"] = rnd((2,), torch.float32)
            tensors["\\uff61"] = rnd((2,), torch.float32)
            files = {
                "all.safetensors": (tensors, {"format": "pt"}),
                "nometa.safetensors": ({"x": rnd((2, 2), torch.float16)}, None),
                "meta.safetensors": ({"y": rnd((1,), torch.int32)},
                                     {"format": "pt", "quote\\"back\\\\slash": "line\\nbreak\\ttab\\u0001", "ü": "名"}),
            }
            report = {}
            for fname, (ts, meta) in files.items():
                save_file(ts, out + "/" + fname, metadata=meta)
                entry = {}
                for k, t in ts.items():
                    b = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
                    entry[k] = {"dtype": ST[t.dtype], "shape": list(t.shape),
                                "sha256": hashlib.sha256(b).hexdigest(), "hex": b.hex() if len(b) <= 64 else None}
                report[fname] = {"metadata": meta, "tensors": entry}
            print(json.dumps(report))
            """;

    @Test
    void readsFilesWrittenBySafetensorsPython() throws Exception {
        JsonNode report = LENIENT.readTree(PythonReference.runSource(PY_WRITE, dir.toString()));
        int checked = 0;
        for (Map.Entry<String, JsonNode> file : report.properties()) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(file.getKey()))) {
                JsonNode tensors = file.getValue().get("tensors");
                assertEquals(names(tensors), new HashSet<>(f.names()), file.getKey());
                for (Map.Entry<String, JsonNode> t : tensors.properties()) {
                    TensorInfo info = f.info(t.getKey());
                    JsonNode want = t.getValue();
                    assertEquals(want.get("dtype").textValue(), info.dtype().safetensorsName(), t.getKey());
                    assertArrayEquals(longs(want.get("shape")), info.shape(), t.getKey());
                    byte[] bytes = f.data(t.getKey()).toArray(ValueLayout.JAVA_BYTE);
                    assertEquals(want.get("sha256").textValue(), sha256(bytes), t.getKey());
                    if (!want.get("hex").isNull()) {
                        assertEquals(want.get("hex").textValue(), HexFormat.of().formatHex(bytes), t.getKey());
                    }
                    checked++;
                }
                JsonNode meta = file.getValue().get("metadata");
                assertEquals(meta.isNull() ? Map.of() : strings(meta), f.metadata(), file.getKey());
            }
        }
        assertEquals(3 * 10 + 6 + 1 + 1, checked); // every tensor of the three files
    }

    @Test
    void rewritingAPythonFileReproducesItByteForByte() throws Exception {
        PythonReference.runSource(PY_WRITE, dir.toString());
        for (String name : List.of("all.safetensors", "nometa.safetensors")) {
            Path original = dir.resolve(name);
            Path copy = dir.resolve("copy-" + name);
            try (SafetensorsFile f = SafetensorsFile.open(original)) {
                SafetensorsWriter w = new SafetensorsWriter();
                List<String> names = new ArrayList<>(f.names());
                Collections.reverse(names); // the writer, not the caller, must establish the order
                for (String n : names) {
                    TensorInfo info = f.info(n);
                    w.add(n, info.dtype(), info.shape(), f.data(n)); // zero-copy: straight from the mapping
                }
                w.metadata(f.metadata().isEmpty() ? null : f.metadata());
                w.write(copy);
            }
            assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy), name);
        }
    }

    // ------------------------------------------------------------------ Java writes, Python reads

    private static final String PY_READ = """
            import sys, json, hashlib, torch
            from safetensors import safe_open
            from safetensors.torch import save_file, load_file
            ST = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                  torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
                  torch.uint8: "U8", torch.bool: "BOOL"}
            report = {}
            for path in sys.argv[1:]:
                with safe_open(path, framework="pt") as f:
                    meta = f.metadata()
                    tensors = {k: f.get_tensor(k) for k in f.keys()}
                assert set(load_file(path).keys()) == set(tensors.keys())
                entry = {}
                for k, t in tensors.items():
                    b = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
                    flat = t.reshape(-1)
                    values = flat.double().tolist() if t.dtype.is_floating_point else flat.tolist()
                    entry[k] = {"dtype": ST[t.dtype], "shape": list(t.shape), "sha256": hashlib.sha256(b).hexdigest(),
                                "values": values}
                # The reference writer on the same tensors and metadata must give the same bytes.
                save_file(tensors, path + ".py", metadata=meta)
                identical = open(path, "rb").read() == open(path + ".py", "rb").read()
                report[path] = {"metadata": meta, "tensors": entry, "identical": identical}
            print(json.dumps(report))
            """;

    @Test
    void pythonReadsWhatJavaWrote() throws Exception {
        Map<String, Expected> expected = new LinkedHashMap<>();
        SafetensorsWriter w = new SafetensorsWriter();
        for (DType t : DType.values()) {
            expected.put("x." + t.name(), Expected.of(t, new long[] {2, 3}, 0));
            expected.put("s." + t.name(), Expected.of(t, new long[] {}, 4));
            expected.put("e." + t.name(), Expected.of(t, new long[] {0, 3}, 0));
        }
        expected.put("ünïcode.名前", Expected.of(DType.FLOAT32, new long[] {3}, 1));
        expected.put("😀", Expected.of(DType.INT64, new long[] {4}, 2));
        expected.put("\uFF61", Expected.of(DType.INT64, new long[] {2}, 3));
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            w.add(e.getKey(), e.getValue().dtype, e.getValue().shape, e.getValue().bytes);
        }
        Path single = dir.resolve("java.safetensors");
        w.metadata(Map.of("format", "pt")).write(single);

        // Several metadata keys: the reference writes them in random (hash) order, so only the values compare.
        Map<String, String> meta = Map.of("format", "pt", "quote\"back\\slash", "line\nbreak\ttab\u0001", "ü", "名");
        Path multi = dir.resolve("java-meta.safetensors");
        new SafetensorsWriter().add("y", DType.INT32, new long[] {1}, new byte[] {1, 0, 0, -128}).metadata(meta).write(multi);
        Path bare = dir.resolve("java-nometa.safetensors");
        new SafetensorsWriter().add("z", DType.BFLOAT16, new long[] {1}, new byte[] {(byte) 0x80, 0x3f}).write(bare);

        JsonNode report = LENIENT.readTree(PythonReference.runSource(PY_READ, single.toString(), multi.toString(), bare.toString()));

        JsonNode main = report.get(single.toString());
        assertTrue(main.get("identical").booleanValue(), "save_file must reproduce our file byte for byte");
        assertTrue(report.get(bare.toString()).get("identical").booleanValue());
        assertEquals(Map.of("format", "pt"), strings(main.get("metadata")));
        assertEquals(meta, strings(report.get(multi.toString()).get("metadata")));
        assertEquals(expected.keySet(), names(main.get("tensors")));
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            JsonNode got = main.get("tensors").get(e.getKey());
            Expected want = e.getValue();
            assertEquals(want.dtype.safetensorsName(), got.get("dtype").textValue(), e.getKey());
            assertArrayEquals(want.shape, longs(got.get("shape")), e.getKey());
            assertEquals(sha256(want.bytes), got.get("sha256").textValue(), e.getKey());
            JsonNode values = got.get("values");
            assertEquals(want.values.size(), values.size(), e.getKey());
            for (int i = 0; i < values.size(); i++) {
                Object v = want.values.get(i);
                JsonNode g = values.get(i);
                switch (v) {
                    case Boolean b -> assertEquals(b, g.booleanValue(), e.getKey() + "[" + i + "]");
                    case Long l -> assertEquals(l, g.longValue(), e.getKey() + "[" + i + "]");
                    case Double d -> assertEquals(d, g.doubleValue(), e.getKey() + "[" + i + "]");
                    default -> throw new AssertionError(v);
                }
            }
        }
        JsonNode y = report.get(multi.toString()).get("tensors").get("y").get("values");
        assertEquals(-2147483647L, y.get(0).longValue());
        JsonNode z = report.get(bare.toString()).get("tensors").get("z").get("values");
        assertEquals(1.0, z.get(0).doubleValue());
    }

    /**
     * Deterministic test data with the values a reader must see: element i of a tensor of dtype t, built
     * from bit patterns we choose (so float16/bfloat16 need no rounding), written little-endian.
     */
    private record Expected(DType dtype, long[] shape, byte[] bytes, List<Object> values) {
        static Expected of(DType t, long[] shape, int seed) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            ByteBuffer b = ByteBuffer.allocate((int) n * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            List<Object> values = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                int i = k + seed;
                switch (t) {
                    case FLOAT32 -> { float v = (i - 3) * 0.375f; b.putFloat(v); values.add((double) v); }
                    case FLOAT64 -> { double v = (i - 3) * 1e100 / 3; b.putDouble(v); values.add(v); }
                    case FLOAT16 -> {
                        short bits = Float.floatToFloat16((i - 3) * 0.5f + 1e-3f * i); // rounds; read back below
                        b.putShort(bits);
                        values.add((double) Float.float16ToFloat(bits));
                    }
                    case BFLOAT16 -> {
                        int bits = Float.floatToRawIntBits((i - 3) * 1.5f) & 0xFFFF0000;
                        b.putShort((short) (bits >>> 16));
                        values.add((double) Float.intBitsToFloat(bits));
                    }
                    case INT64 -> { long v = i % 2 == 0 ? Long.MIN_VALUE + i : Long.MAX_VALUE - i * 1_000_000_007L; b.putLong(v); values.add(v); }
                    case INT32 -> { int v = i % 2 == 0 ? Integer.MIN_VALUE + i : (i - 3) * 70_000; b.putInt(v); values.add((long) v); }
                    case INT16 -> { short v = (short) (i % 2 == 0 ? Short.MIN_VALUE + i : (i - 3) * 1000); b.putShort(v); values.add((long) v); }
                    case INT8 -> { byte v = (byte) (i % 2 == 0 ? -128 + i : (i - 3) * 20); b.put(v); values.add((long) v); }
                    case UINT8 -> { int v = (i * 97 + 130) & 0xFF; b.put((byte) v); values.add((long) v); }
                    case BOOL -> { boolean v = i % 3 == 0; b.put((byte) (v ? 1 : 0)); values.add(v); }
                }
            }
            return new Expected(t, shape, b.array(), values);
        }
    }

    // ------------------------------------------------------------------ helpers

    static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static String sha256(MemorySegment segment) throws NoSuchAlgorithmException {
        return sha256(segment.toArray(ValueLayout.JAVA_BYTE));
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }

    static java.util.Set<String> names(JsonNode object) {
        java.util.Set<String> out = new HashSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }
}
