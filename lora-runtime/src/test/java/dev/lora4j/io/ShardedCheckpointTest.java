package dev.lora4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import dev.lora4j.testing.PythonReference;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded and single-file Hugging Face checkpoints, from transformers itself and hand-made broken ones. */
class ShardedCheckpointTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ transformers' save_pretrained

    /**
     * A tiny random T5 saved twice by transformers: sharded (max_shard_size 8KB gives several shards)
     * and as one file. For each saved tensor Python prints the sha256 of the model's own parameter, so
     * the comparison does not go through any safetensors reader.
     */
    private static final String PY_SAVE = """
            import sys, json, hashlib, torch
            from safetensors import safe_open
            from transformers import T5Config, T5ForConditionalGeneration
            torch.manual_seed(0)
            config = T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_heads=2)
            model = T5ForConditionalGeneration(config)
            sharded, single = sys.argv[1], sys.argv[2]
            model.save_pretrained(sharded, max_shard_size="8KB")
            model.save_pretrained(single)
            state = model.state_dict()
            with safe_open(single + "/model.safetensors", framework="pt") as f:
                saved = list(f.keys())
            index = json.load(open(sharded + "/model.safetensors.index.json"))
            tensors = {}
            for k in saved:
                t = state[k]
                b = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
                tensors[k] = {"shape": list(t.shape), "sha256": hashlib.sha256(b).hexdigest()}
            print(json.dumps({"tensors": tensors, "weight_map": index["weight_map"]}))
            """;

    @Test
    void readsTransformersCheckpointsShardedAndSingle() throws Exception {
        Path sharded = dir.resolve("sharded");
        Path single = dir.resolve("single");
        JsonNode report = StrictJson.parse(PythonReference.runSource(PY_SAVE, sharded.toString(), single.toString()));
        JsonNode tensors = report.get("tensors");
        JsonNode weightMap = report.get("weight_map");
        assertEquals(SafetensorsPythonParityTest.names(tensors), SafetensorsPythonParityTest.names(weightMap));

        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(sharded)) {
            assertTrue(ckpt.shardPaths().size() > 1, "expected several shards, got " + ckpt.shardPaths());
            assertFalse(Files.exists(sharded.resolve(ShardedCheckpoint.SINGLE_FILE)));
            assertEquals(SafetensorsPythonParityTest.names(weightMap), new HashSet<>(ckpt.names()));
            for (String name : ckpt.names()) {
                assertEquals(weightMap.get(name).textValue(), ckpt.shardOf(name).getFileName().toString(), name);
                checkTensor(ckpt, name, tensors.get(name));
            }
        }
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(single)) {
            assertEquals(List.of(single.resolve(ShardedCheckpoint.SINGLE_FILE)), ckpt.shardPaths());
            assertEquals(SafetensorsPythonParityTest.names(tensors), new HashSet<>(ckpt.names()));
            for (String name : ckpt.names()) {
                checkTensor(ckpt, name, tensors.get(name));
            }
        }
    }

    private static void checkTensor(ShardedCheckpoint ckpt, String name, JsonNode want) throws Exception {
        TensorInfo info = ckpt.info(name);
        assertEquals(DType.FLOAT32, info.dtype(), name);
        assertArrayEquals(SafetensorsPythonParityTest.longs(want.get("shape")), info.shape(), name);
        assertEquals(want.get("sha256").textValue(), SafetensorsPythonParityTest.sha256(ckpt.data(name)), name);
    }

    // ------------------------------------------------------------------ hand-made checkpoints

    private void shard(String file, String... tensorNames) {
        SafetensorsWriter w = new SafetensorsWriter();
        byte v = 1;
        for (String n : tensorNames) {
            w.add(n, DType.UINT8, new long[] {1}, new byte[] {v++});
        }
        w.write(dir.resolve(file));
    }

    private void index(String weightMapJson) throws IOException {
        Files.writeString(dir.resolve(ShardedCheckpoint.INDEX_FILE),
                "{\"metadata\":{\"total_size\":3},\"weight_map\":" + weightMapJson + "}");
    }

    private String refused() {
        Lora4jException e = assertThrows(Lora4jException.class, () -> ShardedCheckpoint.open(dir).close());
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
        }
    }

    @Test
    void sameAccessorsAcrossShards() throws IOException {
        shard("a.safetensors", "x", "y");
        shard("b.safetensors", "z");
        index("{\"z\":\"b.safetensors\",\"x\":\"a.safetensors\",\"y\":\"a.safetensors\"}");
        try (ShardedCheckpoint c = ShardedCheckpoint.open(dir)) {
            assertEquals(List.of("z", "x", "y"), c.names());
            assertEquals(List.of(dir.resolve("b.safetensors"), dir.resolve("a.safetensors")), c.shardPaths());
            assertEquals(2, c.data("y").get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(1, c.data("z").get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(dir.resolve("a.safetensors"), c.shardOf("x"));
            assertTrue(c.contains("x"));
            assertFalse(c.contains("w"));
            assertContains(assertThrows(Lora4jException.class, () -> c.info("w")).getMessage(), "no tensor named \"w\"");
        }
    }

    @Test
    void singleFileWinsOverAnIndexLikeTransformers() throws IOException {
        shard(ShardedCheckpoint.SINGLE_FILE, "only");
        index("{\"other\":\"missing.safetensors\"}");
        try (ShardedCheckpoint c = ShardedCheckpoint.open(dir)) {
            assertEquals(List.of("only"), c.names());
        }
    }

    @Test
    void emptyDirectoryIsAnError() {
        assertContains(refused(), dir.toString(), "neither model.safetensors nor model.safetensors.index.json");
    }

    @Test
    void listedTensorMissingFromItsShard() throws IOException {
        shard("a.safetensors", "x");
        index("{\"x\":\"a.safetensors\",\"ghost\":\"a.safetensors\"}");
        assertContains(refused(), "tensor \"ghost\" is mapped to a.safetensors but that shard does not contain it");
    }

    @Test
    void shardWithAnUnlistedTensor() throws IOException {
        shard("a.safetensors", "x", "extra");
        index("{\"x\":\"a.safetensors\"}");
        assertContains(refused(), "shard a.safetensors contains tensor \"extra\" which the index does not list");
    }

    @Test
    void tensorInTwoShards() throws IOException {
        shard("a.safetensors", "x", "dup");
        shard("b.safetensors", "y", "dup");
        index("{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\",\"dup\":\"a.safetensors\"}");
        assertContains(refused(), "tensor \"dup\" appears in shard b.safetensors and in shard a.safetensors");
    }

    @Test
    void shardNamesMustStayInTheDirectory() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        shard("sub/a.safetensors", "x");
        for (String bad : List.of("../a.safetensors", "sub/a.safetensors", dir.resolve("sub/a.safetensors").toString(), "", "..")) {
            index("{\"x\":" + StrictJson.mapper().writeValueAsString(bad) + "}");
            assertContains(refused(), "not a plain file name");
        }
    }

    @Test
    void missingShardFile() throws IOException {
        index("{\"x\":\"nowhere.safetensors\"}");
        assertContains(refused(), "mapped to shard nowhere.safetensors, which does not exist");
    }

    @Test
    void brokenShardIsReportedByName() throws IOException {
        Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        index("{\"x\":\"bad.safetensors\"}");
        assertContains(refused(), "bad.safetensors", "too short");
    }

    @Test
    void malformedIndexes() throws IOException {
        shard("a.safetensors", "x");
        Path idx = dir.resolve(ShardedCheckpoint.INDEX_FILE);
        Files.writeString(idx, "{\"weight_map\":{\"x\":\"a.safetensors\"");
        assertContains(refused(), "not valid JSON");
        Files.writeString(idx, "{\"weight_map\":{\"x\":\"a.safetensors\",\"x\":\"a.safetensors\"}}");
        assertContains(refused(), "Duplicate field 'x'");
        Files.writeString(idx, "{\"metadata\":{}}");
        assertContains(refused(), "needs a \"weight_map\" object");
        Files.writeString(idx, "{\"weight_map\":{\"x\":3}}");
        assertContains(refused(), "weight_map entry for \"x\" must be a file name string");
        Files.writeString(idx, "{\"weight_map\":{}}");
        assertContains(refused(), "weight_map is empty");
        Files.writeString(idx, "[]");
        assertContains(refused(), "must be a JSON object");
    }

    @Test
    void unusedMapEntriesDoNotMatter() throws IOException {
        shard("a.safetensors", "x");
        Files.writeString(dir.resolve(ShardedCheckpoint.INDEX_FILE),
                "{\"metadata\":{\"total_size\":1,\"total_parameters\":1},\"weight_map\":{\"x\":\"a.safetensors\"},\"extra\":[1]}");
        try (ShardedCheckpoint c = ShardedCheckpoint.open(dir)) {
            assertEquals(Map.of("x", dir.resolve("a.safetensors")), Map.of("x", c.shardOf("x")));
        }
    }
}
