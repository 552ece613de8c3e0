package dev.lora4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, special tokens, truncation, padding and decoding options of {@link T5Tokenizer}. */
class T5TokenizerTest {
    private static final T5Tokenizer JSON = T5Tokenizer.load(SharedData.path("t5-tokenizer"));
    private static final T5Tokenizer SPIECE = T5Tokenizer.fromSentencePieceModel(SharedData.path("t5-tokenizer/spiece.model"));
    private static final String LONG_TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(80);

    @TempDir
    Path dir;

    @Test
    void directoryPrefersTokenizerJsonAndReadsItsConfig() {
        assertTrue(JSON.source().contains("tokenizer.json"), JSON.source());
        assertTrue(JSON.cleansUpTokenizationSpaces(), "t5-tokenizer/tokenizer_config.json sets clean-up");
        assertFalse(T5Tokenizer.load(SharedData.path("flan-t5-small")).cleansUpTokenizationSpaces());
        assertFalse(T5Tokenizer.fromTokenizerJson(SharedData.path("t5-tokenizer/tokenizer.json")).cleansUpTokenizationSpaces());
    }

    @Test
    void directoryWithOnlySpieceModelUsesSentencePiece() throws IOException {
        Files.createSymbolicLink(dir.resolve("spiece.model"), SharedData.path("t5-tokenizer/spiece.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"extra_ids\": 10, \"clean_up_tokenization_spaces\": true}");
        T5Tokenizer tokenizer = T5Tokenizer.load(dir);
        assertTrue(tokenizer.source().contains("sentencepiece"), tokenizer.source());
        assertEquals(32_010, tokenizer.vocabSize());
        assertEquals(32_009, tokenizer.sentinelId(0));
        assertTrue(tokenizer.cleansUpTokenizationSpaces());
    }

    @Test
    void singleFilesAreRecognisedByContentNotName() throws IOException {
        Path json = Files.createSymbolicLink(dir.resolve("vocab.bin"), SharedData.path("t5-tokenizer/tokenizer.json"));
        Path model = Files.createSymbolicLink(dir.resolve("vocab.json"), SharedData.path("t5-tokenizer/spiece.model"));
        assertTrue(T5Tokenizer.load(json).source().contains("Hugging Face"));
        assertTrue(T5Tokenizer.load(model).source().contains("sentencepiece"));
    }

    @Test
    void specialTokensAndVocabulary() {
        for (T5Tokenizer t : List.of(JSON, SPIECE)) {
            assertEquals(0, t.padTokenId());
            assertEquals(1, t.eosTokenId());
            assertEquals(2, t.unkTokenId());
            assertEquals(32_100, t.vocabSize());
            assertEquals(32_099, t.sentinelId(0));
            assertEquals(32_000, t.sentinelId(99));
            assertEquals(OptionalInt.of(32_099), t.tokenToId("<extra_id_0>"));
            assertEquals("\u2581Hello", t.idToToken(8774).orElseThrow());
            assertTrue(t.idToToken(40_000).isEmpty());
            assertThrows(Lora4jException.class, () -> t.sentinelId(100));
        }
    }

    @Test
    void encodeAppendsEos() {
        for (T5Tokenizer t : List.of(JSON, SPIECE)) {
            assertArrayEquals(new int[] {8774, 296, 1}, t.encode("Hello world"));
            assertArrayEquals(new int[] {1}, t.encode(""));
            assertArrayEquals(new int[] {8774, 296}, t.encode("Hello world",
                    EncodeOptions.builder().addSpecialTokens(false).build()));
            assertArrayEquals(new int[] {8774, 32_099, 296, 1}, t.encode("Hello <extra_id_0> world"));
            assertEquals(List.of("\u2581Hello", "\u2581world"), t.tokenize("Hello world"));
        }
    }

    @Test
    void truncationKeepsEos() {
        int[] full = JSON.encode(LONG_TEXT);
        assertTrue(full.length > 512);
        int[] right = JSON.encode(LONG_TEXT, EncodeOptions.builder().truncateTo(512).build());
        assertEquals(512, right.length);
        assertEquals(1, right[511]);
        assertArrayEquals(Arrays.copyOf(full, 511), Arrays.copyOf(right, 511));

        int[] left = JSON.encode(LONG_TEXT, EncodeOptions.builder().truncateTo(512).truncationSide(Side.LEFT).build());
        assertEquals(512, left.length);
        assertArrayEquals(Arrays.copyOfRange(full, full.length - 512, full.length), left);

        assertArrayEquals(new int[] {1}, JSON.encode(LONG_TEXT, EncodeOptions.builder().truncateTo(1).build()));
        assertArrayEquals(new int[] {8774, 296, 1}, JSON.encode("Hello world", EncodeOptions.builder().truncateTo(10).build()));
        int[] noSpecials = JSON.encode(LONG_TEXT, EncodeOptions.builder().truncateTo(8).addSpecialTokens(false).build());
        assertArrayEquals(Arrays.copyOf(full, 8), noSpecials);
    }

    @Test
    void invalidOptionsAreRejected() {
        assertThrows(Lora4jException.class, () -> EncodeOptions.builder().truncation(true).build());
        assertThrows(Lora4jException.class, () -> EncodeOptions.builder().padding(Padding.MAX_LENGTH).build());
        assertThrows(Lora4jException.class, () -> EncodeOptions.builder().maxLength(-1).build());
        assertThrows(Lora4jException.class, () -> EncodeOptions.builder().padToMultipleOf(-8).build());
        // As transformers: a truncation length that padding would round up defeats the truncation.
        assertThrows(Lora4jException.class, () -> EncodeOptions.builder().truncateTo(40).padding(Padding.LONGEST)
                .padToMultipleOf(16).build());
        Lora4jException tooLong = assertThrows(Lora4jException.class, () -> JSON.encodeBatch(List.of(LONG_TEXT),
                EncodeOptions.builder().maxLength(16).padding(Padding.MAX_LENGTH).build()));
        assertTrue(tooLong.getMessage().contains("enable truncation"), tooLong.getMessage());
    }

    @Test
    void batchPaddingLongestWithMasks() {
        BatchEncoding batch = JSON.encodeBatch(List.of("Hello world", "Hi", ""),
                EncodeOptions.builder().padding(Padding.LONGEST).build());
        assertEquals(3, batch.size());
        assertEquals(3, batch.sequenceLength());
        assertArrayEquals(new int[][] {{8774, 296, 1}, {2018, 1, 0}, {1, 0, 0}}, batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1}, {1, 1, 0}, {1, 0, 0}}, batch.attentionMask());
        assertArrayEquals(new int[] {8774, 296, 1, 2018, 1, 0, 1, 0, 0}, batch.flatInputIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 1, 0, 0}, batch.flatAttentionMask());
    }

    @Test
    void batchPaddingLeftAndToMultiples() {
        BatchEncoding batch = JSON.encodeBatch(List.of("Hello world", "Hi"),
                EncodeOptions.builder().padding(Padding.LONGEST).padToMultipleOf(8).paddingSide(Side.LEFT).build());
        assertEquals(8, batch.sequenceLength());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 8774, 296, 1}, batch.inputIds(0));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 1, 1}, batch.attentionMask(1));
    }

    @Test
    void batchWithoutPaddingIsRagged() {
        BatchEncoding batch = JSON.encodeBatch(List.of("Hello world", "Hi"), EncodeOptions.DEFAULT);
        assertEquals(-1, batch.sequenceLength());
        assertArrayEquals(new int[] {2018, 1}, batch.inputIds(1));
        assertThrows(Lora4jException.class, batch::flatInputIds);
    }

    @Test
    void batchMatchesTransformersPadding() throws IOException {
        List<String> texts = List.of("Hello world", "summarize: " + LONG_TEXT, "", "A <extra_id_0> b");
        String script = """
                import json, sys
                from transformers import T5Tokenizer
                tok = T5Tokenizer.from_pretrained(sys.argv[1])
                texts = json.loads(sys.argv[2])
                out = []
                # transformers 5 ignores truncation_side passed to the call; the attributes work.
                for sides, kw in [("right", dict(padding="longest", truncation=True, max_length=64)),
                                  ("right", dict(padding="max_length", truncation=True, max_length=48,
                                                 pad_to_multiple_of=16)),
                                  ("left", dict(padding="longest", truncation=True, max_length=33))]:
                    tok.padding_side = tok.truncation_side = sides
                    enc = tok(texts, **kw)
                    out.append({"ids": enc["input_ids"], "mask": enc["attention_mask"]})
                print(json.dumps(out))
                """;
        String output = PythonReference.runSource(script, SharedData.path("t5-tokenizer").toString(),
                new ObjectMapper().writeValueAsString(texts));
        String[] lines = output.strip().split("\n");
        JsonNode expected = new ObjectMapper().readTree(lines[lines.length - 1]);
        List<EncodeOptions> options = List.of(
                EncodeOptions.builder().padding(Padding.LONGEST).truncateTo(64).build(),
                EncodeOptions.builder().padding(Padding.MAX_LENGTH).truncateTo(48).padToMultipleOf(16).build(),
                EncodeOptions.builder().padding(Padding.LONGEST).truncateTo(33).paddingSide(Side.LEFT)
                        .truncationSide(Side.LEFT).build());
        for (int k = 0; k < options.size(); k++) {
            BatchEncoding batch = JSON.encodeBatch(texts, options.get(k));
            ObjectMapper json = new ObjectMapper();
            assertArrayEquals(json.treeToValue(expected.get(k).get("ids"), int[][].class), batch.inputIds(), "ids " + k);
            assertArrayEquals(json.treeToValue(expected.get(k).get("mask"), int[][].class), batch.attentionMask(),
                    "mask " + k);
        }
    }

    @Test
    void decodeOptions() {
        int[] ids = JSON.encode("Hello , world ! It 's <extra_id_0> fine .");
        assertEquals("Hello, world! It's fine.", JSON.decode(ids, true));
        assertEquals("Hello , world ! It 's fine .", JSON.decode(ids, true, false));
        assertEquals("Hello , world ! It 's<extra_id_0> fine .</s>", JSON.decode(ids, false, false));
        assertEquals(List.of("Hello world", "Hi"), JSON.decodeBatch(new int[][] {{8774, 296, 1}, {2018, 1, 0, 0}}, true));
        T5Tokenizer noCleanUp = JSON.withCleanUpTokenizationSpaces(false);
        assertEquals("Hello , world ! It 's fine .", noCleanUp.decode(ids, true));
        assertTrue(JSON.cleansUpTokenizationSpaces(), "the original is unchanged");
    }

    /**
     * Deliberate difference: ids the vocabulary lacks (T5's embedding has 32,128 rows for 32,100 ids,
     * so generation can emit 32,100..32,127) are dropped by both loaders, as tokenizers drops them;
     * sentencepiece itself would refuse the whole call.
     */
    @Test
    void idsOutsideTheVocabularyAreDroppedWhenDecoding() {
        for (T5Tokenizer t : List.of(JSON, SPIECE)) {
            assertEquals("Hello world", t.decode(new int[] {8774, 32_127, 296, -5, 1}, true, false));
        }
    }

    /**
     * Deliberate difference: a Java string can hold an unpaired surrogate, which has no UTF-8 form,
     * so neither Python reference can be given one. It is read as U+FFFD (sentencepiece's reading of
     * an ill-formed byte), which the T5 vocabulary does not have.
     */
    @Test
    void unpairedSurrogatesReadAsReplacementCharacter() {
        for (T5Tokenizer t : List.of(JSON, SPIECE)) {
            assertArrayEquals(t.encode("a\uFFFDb"), t.encode("a\uD800b"));
            assertArrayEquals(t.encode("\uFFFD"), t.encode("\uDC00"));
        }
    }

    /**
     * Deliberate difference from bare sentencepiece: the spiece.model loader, like transformers' T5
     * tokenizers, reads {@code <pad>}, {@code </s>}, {@code <unk>} and {@code <extra_id_N>} written in
     * the text as those tokens, where {@code sp.encode} would cut them into ordinary pieces
     * ({@code "</"}, {@code "s"}, {@code ">"}); the text between them is encoded by sentencepiece's
     * rules. When decoding with special tokens kept, they are written out (sentencepiece writes
     * nothing for control pieces), spaced as tokenizers spaces them.
     */
    @Test
    void specialTokensInTextAndDecoding() {
        int[] split = SPIECE.encode("a</s>b <extra_id_7>");
        assertEquals(1, split[2], "</s> in the text is the eos id");
        assertArrayEquals(JSON.encode("a</s>b <extra_id_7>"), split);
        int[] ids = SPIECE.encode("<pad>x</s>");
        assertArrayEquals(new int[] {0, 3, 226, 1, 1}, ids);
        assertEquals("x", SPIECE.decode(ids, true));
        // Both loaders render kept special tokens the same way (tokenizers' Metaspace decoding).
        assertEquals("<pad> x</s></s>", SPIECE.decode(ids, false));
        assertEquals(JSON.decode(ids, false, false), SPIECE.decode(ids, false, false));
        assertArrayEquals(ids, JSON.encode("<pad>x</s>"));
    }
}
