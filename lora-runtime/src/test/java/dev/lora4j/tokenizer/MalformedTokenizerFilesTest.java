package dev.lora4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.testing.SharedData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Broken vocabulary files fail fast with a {@link Lora4jException} that names the file and the
 * problem: never a hang, an out-of-memory error or an index exception from deep inside.
 */
class MalformedTokenizerFilesTest {
    @TempDir
    Path dir;

    private Lora4jException loadFails(String fileName, byte[] content, String... expectedFragments) {
        Path file = dir.resolve(fileName);
        try {
            Files.write(file, content);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        Lora4jException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(Lora4jException.class, () -> T5Tokenizer.load(file)));
        assertEquals("tokenizer.load", e.op());
        assertTrue(e.getMessage().contains(file.toString()), () -> "message names the file: " + e.getMessage());
        for (String fragment : expectedFragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        }
        return e;
    }

    // ---- spiece.model (protobuf) ----

    @Test
    void tinyValidModelLoads() throws IOException {
        Path file = dir.resolve("tiny.model");
        Files.write(file, ProtoWriter.validTinyModel());
        T5Tokenizer tokenizer = T5Tokenizer.load(file);
        // "▁ab": ▁ + ab scores -2.5, better than ▁a + b (-3.2).
        assertArrayEquals(new int[] {3, 6, 1}, tokenizer.encode("ab"));
        assertEquals(8 + 100, tokenizer.vocabSize());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 100, 4096, 395_828, 553_301, 553_400, 791_000, 791_655})
    void truncatedSpieceModel(int keptBytes) throws IOException {
        byte[] full = Files.readAllBytes(SharedData.path("t5-tokenizer/spiece.model"));
        loadFails("spiece.model", Arrays.copyOf(full, keptBytes), "is not a valid SentencePiece model");
    }

    @Test
    void hugeLengthIsRejectedBeforeAllocating() {
        byte[] data = new ProtoWriter().rawVarint((1 << 3) | 2).rawVarint(0xFFFF_FFFFL).toByteArray();
        loadFails("huge.model", data, "length 4294967295", "exceeds");
    }

    @Test
    void overlongVarint() {
        byte[] data = new byte[12];
        Arrays.fill(data, (byte) 0xFF);
        data[0] = 0x48; // field 9, a varint: skipped, so its value is read
        loadFails("varint.model", data, "varint longer than 10 bytes");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomBytes(long seed) {
        byte[] data = new byte[50_000];
        new Random(seed).nextBytes(data);
        data[0] = 0x0A; // not '{', so it is read as a protobuf
        loadFails("random.model", data);
    }

    @Test
    void zeroBytes() {
        loadFails("zeros.model", new byte[1000], "invalid field number 0");
    }

    @Test
    void emptyFile() {
        loadFails("empty.model", new byte[0], "no pieces");
    }

    @Test
    void bpeModelType() {
        loadFails("bpe.model", ProtoWriter.tinyModel().message(2, ProtoWriter.trainerSpec(2))
                .message(3, ProtoWriter.normalizerSpec()).toByteArray(), "BPE", "only UNIGRAM");
    }

    @Test
    void missingNormalizerSpec() {
        loadFails("nonorm.model", ProtoWriter.tinyModel().message(2, ProtoWriter.trainerSpec(1)).toByteArray(),
                "no normalizer_spec");
    }

    @Test
    void missingUnknownPiece() {
        byte[] data = new ProtoWriter().piece("<pad>", 0f, 3).piece("a", -1f, 1)
                .message(2, ProtoWriter.trainerSpec(1)).message(3, ProtoWriter.normalizerSpec()).toByteArray();
        loadFails("nounk.model", data, "exactly one UNKNOWN piece");
    }

    @Test
    void duplicatePiece() {
        byte[] data = ProtoWriter.tinyModel().piece("ab", -3f, 1)
                .message(2, ProtoWriter.trainerSpec(1)).message(3, ProtoWriter.normalizerSpec()).toByteArray();
        loadFails("dup.model", data, "'ab' is defined twice");
    }

    @Test
    void emptyPiece() {
        byte[] data = ProtoWriter.tinyModel().piece("", -3f, 1)
                .message(2, ProtoWriter.trainerSpec(1)).message(3, ProtoWriter.normalizerSpec()).toByteArray();
        loadFails("emptypiece.model", data, "piece 8 is empty");
    }

    @Test
    void unknownPieceType() {
        byte[] data = ProtoWriter.tinyModel().piece("zz", -3f, 9)
                .message(2, ProtoWriter.trainerSpec(1)).message(3, ProtoWriter.normalizerSpec()).toByteArray();
        loadFails("type.model", data, "unknown type 9");
    }

    @Test
    void wrongWireTypeForAField() {
        byte[] data = ProtoWriter.tinyModel().varint(3, 7).toByteArray();
        loadFails("wire.model", data, "normalizer_spec has wire type 0");
    }

    @Test
    void corruptCharsmapInSpieceModel() {
        byte[] charsmap = {(byte) 0xFF, (byte) 0xFF, 0, 0, 1, 2, 3, 4};
        byte[] data = ProtoWriter.tinyModel().message(2, ProtoWriter.trainerSpec(1))
                .message(3, ProtoWriter.normalizerSpec().bytes(2, charsmap)).toByteArray();
        loadFails("charsmap.model", data, "precompiled_charsmap is corrupt", "trie size");
    }

    @Test
    void charsmapPointingOutsideItsPool() {
        // A root with one child 'a' (label 0x61) that ends a key whose value points far past the pool.
        int[] units = new int[256];
        units[0] = 1 << 10;                 // root: children at 1 ^ label
        units[1 ^ 0x61] = 0x61 | (1 << 8);  // 'a', has a leaf; its children sit at (1 ^ 0x61) ^ 0
        units[1 ^ 0x61] |= 0;               // offset 0: the leaf is the unit itself ^ 0
        byte[] blob = new byte[4 + 4 * units.length + 2];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(blob).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(4 * units.length);
        for (int u : units) {
            b.putInt(u);
        }
        byte[] data = ProtoWriter.tinyModel().message(2, ProtoWriter.trainerSpec(1))
                .message(3, ProtoWriter.normalizerSpec().bytes(2, blob)).toByteArray();
        loadFails("pool.model", data, "precompiled_charsmap is corrupt");
    }

    @Test
    void treatWhitespaceAsSuffixIsRejectedNotIgnored() {
        byte[] data = ProtoWriter.tinyModel().message(2, ProtoWriter.trainerSpec(1).varint(24, 1))
                .message(3, ProtoWriter.normalizerSpec()).toByteArray();
        loadFails("suffix.model", data, "treat_whitespace_as_suffix");
    }

    // ---- tokenizer.json ----

    private static ObjectNode t5Json() throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(SharedData.path("t5-tokenizer/tokenizer.json").toFile());
    }

    private void jsonFails(Consumer<ObjectNode> edit, String... fragments) throws IOException {
        ObjectNode json = t5Json();
        edit.accept(json);
        loadFails("tokenizer.json", new ObjectMapper().writeValueAsBytes(json), fragments);
    }

    @Test
    void garbageJson() {
        loadFails("tokenizer.json", "{ this is not json ]".getBytes(StandardCharsets.UTF_8), "not valid JSON");
    }

    @Test
    void truncatedJson() throws IOException {
        byte[] full = Files.readAllBytes(SharedData.path("t5-tokenizer/tokenizer.json"));
        loadFails("tokenizer.json", Arrays.copyOf(full, full.length / 2), "not valid JSON");
    }

    @Test
    void modelThatIsNotAnObject() {
        loadFails("tokenizer.json", "{\"model\": 3}".getBytes(StandardCharsets.UTF_8), "model must be an object");
    }

    @Test
    void missingModel() throws IOException {
        jsonFails(j -> j.remove("model"), "model is missing");
    }

    @Test
    void bpeModel() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("model")).put("type", "BPE"), "model type BPE is not supported");
    }

    @Test
    void wordPieceModel() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("model")).put("type", "WordPiece"), "WordPiece");
    }

    @Test
    void missingVocab() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("model")).remove("vocab"), "model.vocab is missing");
    }

    @Test
    void emptyVocab() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("model")).putArray("vocab"), "model.vocab is empty");
    }

    @Test
    void malformedVocabEntry() throws IOException {
        jsonFails(j -> ((ArrayNode) j.get("model").get("vocab")).set(5, new ObjectMapper().createObjectNode()),
                "model.vocab[5] must be [piece, score]");
    }

    @Test
    void unkIdOutOfRange() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("model")).put("unk_id", 99_999), "model.unk_id");
    }

    @Test
    void unsupportedNormalizer() throws IOException {
        jsonFails(j -> j.putObject("normalizer").put("type", "BertNormalizer"),
                "normalizer type 'BertNormalizer' is not supported");
    }

    @Test
    void unsupportedPreTokenizer() throws IOException {
        jsonFails(j -> j.putObject("pre_tokenizer").put("type", "ByteLevel"),
                "pre_tokenizer type 'ByteLevel' is not supported");
    }

    @Test
    void unsupportedDecoder() throws IOException {
        jsonFails(j -> j.putObject("decoder").put("type", "WordPiece"), "decoder type 'WordPiece' is not supported");
    }

    @Test
    void unsupportedPostProcessor() throws IOException {
        jsonFails(j -> j.putObject("post_processor").put("type", "BertProcessing"),
                "post_processor type 'BertProcessing' is not supported");
    }

    @Test
    void charsmapThatIsNotBase64() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("normalizer").get("normalizers").get(0))
                .put("precompiled_charsmap", "***not base64***"), "is not base64");
    }

    @Test
    void charsmapThatIsGarbage() throws IOException {
        byte[] garbage = new byte[4000];
        new Random(7).nextBytes(garbage);
        jsonFails(j -> ((ObjectNode) j.get("normalizer").get("normalizers").get(0))
                .put("precompiled_charsmap", Base64.getEncoder().encodeToString(garbage)),
                "precompiled_charsmap is corrupt");
    }

    @Test
    void addedTokenWithoutContent() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("added_tokens").get(0)).remove("content"), "added_tokens[0].content is missing");
    }

    @Test
    void templateNamingAnUndefinedSpecialToken() throws IOException {
        jsonFails(j -> ((ObjectNode) j.get("post_processor")).putObject("special_tokens"),
                "names special token '</s>' that special_tokens does not define");
    }

    // ---- paths ----

    @Test
    void directoryWithoutTokenizerFiles() {
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("has neither tokenizer.json nor spiece.model"), e.getMessage());
    }

    @Test
    void missingPath() {
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5Tokenizer.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void hugeFileIsRefusedWithoutReadingIt() throws IOException {
        Path file = dir.resolve("huge.model");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(TokenizerFiles.MAX_FILE_BYTES + 1); // sparse: no disk or memory used
        }
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5Tokenizer.load(file));
        assertTrue(e.getMessage().contains("larger than any tokenizer file"), e.getMessage());
    }

    @Test
    void malformedTokenizerConfig() throws IOException {
        Files.createSymbolicLink(dir.resolve("tokenizer.json"), SharedData.path("t5-tokenizer/tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"clean_up_tokenization_spaces\": \"yes\"}");
        Lora4jException e = assertThrows(Lora4jException.class, () -> T5Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("clean_up_tokenization_spaces must be a boolean"), e.getMessage());
    }
}
