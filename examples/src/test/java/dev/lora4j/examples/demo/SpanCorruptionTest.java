package dev.lora4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.data.TokenizedExample;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.EncodeOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Span corruption: lossless, counts as T5's formula gives them, sentinels in order, seeded. */
class SpanCorruptionTest {
    private static final int EOS = 1;
    private final ByT5Tokenizer tokenizer = ByT5Tokenizer.create();
    private final SpanCorruption corruption = SpanCorruption.t5Defaults(tokenizer, ByT5Tokenizer.DEFAULT_EXTRA_IDS);

    private static int[] randomContent(Random r, int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 3 + r.nextInt(256); // byte ids only, never a sentinel or EOS
        }
        return ids;
    }

    /** Puts each target span back in place of its sentinel in the input. */
    private int[] reassemble(TokenizedExample e) {
        int[] input = e.inputIds();
        int[] target = e.labels();
        assertEquals(EOS, input[input.length - 1]);
        assertEquals(EOS, target[target.length - 1]);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < input.length - 1; i++) {
            if (!corruption.isSentinel(input[i])) {
                out.add(input[i]);
                continue;
            }
            int at = indexOf(target, input[i]);
            assertTrue(at >= 0, "sentinel " + input[i] + " of the input is missing from the target");
            for (int j = at + 1; j < target.length - 1 && !corruption.isSentinel(target[j]); j++) {
                out.add(target[j]);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int indexOf(int[] a, int value) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == value) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void inputAndTargetInterleaveBackToTheOriginal() {
        Random r = new Random(1);
        for (int length = 2; length <= 400; length += 7) {
            int[] content = randomContent(r, length);
            TokenizedExample e = corruption.corrupt("x", content, length * 31L);
            assertArrayEquals(content, reassemble(e), "length " + length);
        }
        int[] text = tokenizer.encode("#Person1#: Are you free on Monday?\n#Person2#: Sure.", EncodeOptions.DEFAULT);
        TokenizedExample e = corruption.corrupt("text", text, 5);
        assertArrayEquals(Arrays.copyOf(text, text.length - 1), reassemble(e), "a trailing </s> is dropped first");
    }

    @Test
    void countsFollowTheFormula() {
        Random r = new Random(2);
        for (int length : new int[] {2, 3, 10, 19, 20, 21, 100, 233, 350}) {
            int noise = Math.min(Math.max((int) Math.round(length * 0.15), 1), length - 1);
            int spans = Math.max(1, (int) Math.round(noise / 3.0));
            assertEquals(noise, corruption.noiseTokens(length));
            assertEquals(spans, corruption.noiseSpans(length));
            TokenizedExample e = corruption.corrupt("x", randomContent(r, length), length);
            assertEquals(length - noise + spans + 1, e.inputIds().length, "kept tokens + sentinels + EOS");
            assertEquals(noise + spans + 1, e.labels().length, "noise tokens + sentinels + EOS");
            boolean[] mask = corruption.noiseMask(length, new Random(length));
            int masked = 0;
            int runs = 0;
            for (int i = 0; i < length; i++) {
                masked += mask[i] ? 1 : 0;
                runs += mask[i] && (i == 0 || !mask[i - 1]) ? 1 : 0;
            }
            assertEquals(noise, masked);
            assertEquals(spans, runs);
            assertFalse(mask[0], "spans alternate starting with kept tokens");
        }
    }

    @Test
    void sentinelsDescendFromTheTopOfTheVocabularyInOrder() {
        TokenizedExample e = corruption.corrupt("x", randomContent(new Random(3), 200), 9);
        int expected = tokenizer.vocabSize() - 1;
        for (int id : e.inputIds()) {
            if (corruption.isSentinel(id)) {
                assertEquals(expected--, id);
            }
        }
        int spans = corruption.noiseSpans(200);
        assertEquals(tokenizer.vocabSize() - 1 - spans, expected, "one sentinel per span");
        expected = tokenizer.vocabSize() - 1;
        assertEquals(expected, e.labels()[0], "the target starts with the first sentinel");
        for (int id : e.labels()) {
            if (corruption.isSentinel(id)) {
                assertEquals(expected--, id);
            }
        }
        assertEquals("<extra_id_124>", tokenizer.idToToken(383).orElseThrow(), "ByT5 names the top id extra_id_124");
    }

    @Test
    void theSameSeedGivesTheSameCorruptionAndOthersDiffer() {
        int[] content = randomContent(new Random(4), 300);
        TokenizedExample a = corruption.corrupt("a", content, 11);
        TokenizedExample b = corruption.corrupt("b", content, 11);
        assertArrayEquals(a.inputIds(), b.inputIds());
        assertArrayEquals(a.labels(), b.labels());
        long distinct = java.util.stream.LongStream.range(0, 20)
                .mapToObj(seed -> Arrays.toString(corruption.corrupt("c", content, seed).labels())).distinct().count();
        assertTrue(distinct > 15, "different seeds give different masks, got " + distinct + " of 20");
    }

    @Test
    void everyPositionCanBeNoise() {
        // A uniform choice of masks covers every position but the first over many draws.
        int length = 40;
        int[] hits = new int[length];
        Random r = new Random(5);
        for (int draw = 0; draw < 2000; draw++) {
            boolean[] mask = corruption.noiseMask(length, r);
            for (int i = 0; i < length; i++) {
                hits[i] += mask[i] ? 1 : 0;
            }
        }
        for (int i = 1; i < length; i++) {
            assertTrue(hits[i] > 0, "position " + i + " was never noise");
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        assertThrows(Lora4jException.class, () -> corruption.corrupt("x", new int[] {5}, 1));
        assertThrows(Lora4jException.class, () -> new SpanCorruption(0, 3, 383, 125, EOS));
        assertThrows(Lora4jException.class, () -> new SpanCorruption(0.15, 0.5, 383, 125, EOS));
        SpanCorruption fewSentinels = new SpanCorruption(0.5, 1, 383, 2, EOS);
        assertThrows(Lora4jException.class, () -> fewSentinels.corrupt("x", randomContent(new Random(6), 50), 1));
    }

    @Test
    void segmentationIsNonEmptyAndComplete() {
        Random r = new Random(7);
        for (int items = 1; items < 30; items++) {
            for (int segments = 1; segments <= items; segments++) {
                int[] lengths = SpanCorruption.randomSegmentation(items, segments, r);
                assertEquals(segments, lengths.length);
                assertEquals(items, Arrays.stream(lengths).sum());
                assertTrue(Arrays.stream(lengths).allMatch(l -> l >= 1));
            }
        }
    }
}
