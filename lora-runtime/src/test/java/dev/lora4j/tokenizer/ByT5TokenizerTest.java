package dev.lora4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lora4j.Lora4jException;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The byte-level vocabulary, special tokens and options of {@link ByT5Tokenizer}. */
class ByT5TokenizerTest {
    private final ByT5Tokenizer tokenizer = ByT5Tokenizer.create();

    @Test
    void vocabulary() {
        assertEquals(384, tokenizer.vocabSize());
        assertEquals(0, tokenizer.padTokenId());
        assertEquals(1, tokenizer.eosTokenId());
        assertEquals(2, tokenizer.unkTokenId());
        assertEquals(OptionalInt.of(259), tokenizer.tokenToId("<extra_id_0>"));
        assertEquals(OptionalInt.of(383), tokenizer.tokenToId("<extra_id_124>"));
        assertEquals(OptionalInt.of('h' + 3), tokenizer.tokenToId("h"));
        assertEquals("h", tokenizer.idToToken('h' + 3).orElseThrow());
        assertEquals(269, ByT5Tokenizer.create(10).vocabSize());
    }

    @Test
    void bytesOffsetByThreeThenEos() {
        // 'h' = 0x68, 'é' = C3 A9.
        assertArrayEquals(new int[] {0x68 + 3, 0xC3 + 3, 0xA9 + 3, 1}, tokenizer.encode("hé"));
        assertArrayEquals(new int[] {1}, tokenizer.encode(""));
        assertArrayEquals(new int[] {0x61 + 3, 1}, tokenizer.encode("a</s>"), "no second </s>");
        assertArrayEquals(new int[] {0x61 + 3, 259, 0x62 + 3, 1}, tokenizer.encode("a<extra_id_0>b"));
        assertArrayEquals(new int[] {0x61 + 3, 0, 0x62 + 3, 1}, tokenizer.encode("a <pad> b"), "<pad> eats the spaces");
    }

    @Test
    void truncationKeepsOneEos() {
        EncodeOptions toFour = EncodeOptions.builder().truncateTo(4).build();
        assertArrayEquals(new int[] {0x61 + 3, 0x62 + 3, 0x63 + 3, 1}, tokenizer.encode("abcdef", toFour));
        assertArrayEquals(new int[] {0x61 + 3, 0x62 + 3, 0x63 + 3, 1}, tokenizer.encode("abcdef</s>", toFour));
    }

    @Test
    void decoding() {
        int[] ids = tokenizer.encode("héllo <extra_id_0> wörld");
        assertEquals("héllo <extra_id_0> wörld</s>", tokenizer.decode(ids, false));
        assertEquals("héllo  wörld", tokenizer.decode(ids, true));
        // A lone UTF-8 lead byte is dropped, as Python's errors="ignore" drops it.
        assertEquals("ab", tokenizer.decode(new int[] {0x61 + 3, 0xC3 + 3, 0x62 + 3}, true));
        assertThrows(Lora4jException.class, () -> tokenizer.decode(new int[] {384}, true));
        assertThrows(Lora4jException.class, () -> tokenizer.decode(new int[] {-1}, true));
    }

    @Test
    void batches() {
        BatchEncoding batch = tokenizer.encodeBatch(List.of("ab", "a"),
                EncodeOptions.builder().padding(Padding.LONGEST).build());
        assertArrayEquals(new int[][] {{0x61 + 3, 0x62 + 3, 1}, {0x61 + 3, 1, 0}}, batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1}, {1, 1, 0}}, batch.attentionMask());
    }
}
