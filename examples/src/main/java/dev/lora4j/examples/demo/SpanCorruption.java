package dev.lora4j.examples.demo;

import dev.lora4j.data.TokenizedExample;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Random;

/**
 * T5's pretraining objective ("span corruption") on token ids. About {@code noiseDensity} of the tokens,
 * in spans of mean length {@code meanSpanLength}, are cut out of the input; each cut span leaves one
 * sentinel behind, and the target lists the sentinels, each followed by the span it replaced:
 * <pre>
 *   original  a b c d e f g h
 *   input     a b S0 e f S1 EOS          (S0, S1 are sentinel ids, counting down from firstSentinelId)
 *   target    S0 c d S1 g h EOS
 * </pre>
 * The mask follows {@code random_spans_noise_mask} of T5's preprocessors (and transformers'
 * run_t5_mlm_flax.py): the numbers of noise tokens and spans are fixed by the length,
 * {@code noise = round(length * density)} clamped to [1, length - 1] and
 * {@code spans = max(1, round(noise / meanSpanLength))}; the noise and the kept tokens are each cut
 * into that many non-empty segments uniformly at random, and the segments alternate, kept first, so
 * every mask with those counts is equally likely. As in transformers' version there is no random
 * rotation, so the sequence always ends in a noise span. The content is corrupted without its
 * {@code </s>}, which both sides get back at the end, as T5 appends EOS after corruption.
 *
 * <p>Sentinels count down from the top of the vocabulary, as in T5 and ByT5 ({@code <extra_id_0>} is
 * the last id there). lora4j's ByT5 tokenizer names its extra ids upwards, as transformers does, so id
 * 383 decodes as {@code <extra_id_124>}: only the ids matter to a model trained with them.
 */
public final class SpanCorruption {
    private final double noiseDensity;
    private final double meanSpanLength;
    private final int firstSentinelId;
    private final int sentinelCount;
    private final int eosId;

    /**
     * @param firstSentinelId the id replacing the first span; span i gets {@code firstSentinelId - i}
     * @param sentinelCount   how many sentinel ids there are below and including firstSentinelId
     */
    public SpanCorruption(double noiseDensity, double meanSpanLength, int firstSentinelId, int sentinelCount, int eosId) {
        if (!(noiseDensity > 0 && noiseDensity < 1)) {
            throw new Lora4jException("span corruption", "noise density must be in (0, 1), got " + noiseDensity);
        }
        if (!(meanSpanLength >= 1) || Double.isInfinite(meanSpanLength)) {
            throw new Lora4jException("span corruption", "mean span length must be at least 1, got " + meanSpanLength);
        }
        if (sentinelCount < 1 || firstSentinelId - sentinelCount + 1 < 0) {
            throw new Lora4jException("span corruption", "need at least one sentinel, all with ids >= 0; got "
                    + sentinelCount + " below " + firstSentinelId);
        }
        this.noiseDensity = noiseDensity;
        this.meanSpanLength = meanSpanLength;
        this.firstSentinelId = firstSentinelId;
        this.sentinelCount = sentinelCount;
        this.eosId = eosId;
    }

    /** T5's settings (density 0.15, mean span 3) with the tokenizer's top ids as sentinels. */
    public static SpanCorruption t5Defaults(Tokenizer tokenizer, int sentinelCount) {
        return new SpanCorruption(0.15, 3.0, tokenizer.vocabSize() - 1, sentinelCount, tokenizer.eosTokenId());
    }

    public double noiseDensity() {
        return noiseDensity;
    }

    public double meanSpanLength() {
        return meanSpanLength;
    }

    /** The id that replaces span i. */
    public int sentinel(int span) {
        return firstSentinelId - span;
    }

    /** Whether id is one of this objective's sentinels. */
    public boolean isSentinel(int id) {
        return id <= firstSentinelId && id > firstSentinelId - sentinelCount;
    }

    /** round(length * density), clamped to [1, length - 1]: T5's count of noise tokens. */
    public int noiseTokens(int length) {
        requireCorruptible(length);
        int noise = (int) Math.round(length * noiseDensity);
        return Math.min(Math.max(noise, 1), length - 1);
    }

    /** max(1, round(noise tokens / mean span length)): T5's count of noise spans. */
    public int noiseSpans(int length) {
        return Math.max(1, (int) Math.round(noiseTokens(length) / meanSpanLength));
    }

    /**
     * The noise mask for a sequence of the given length: true marks a token cut into the target.
     * Deterministic in (length, random's state).
     */
    public boolean[] noiseMask(int length, Random random) {
        int noise = noiseTokens(length);
        int spans = noiseSpans(length);
        if (spans > sentinelCount) {
            throw new Lora4jException("span corruption", "a sequence of " + length + " tokens needs " + spans
                    + " sentinels but only " + sentinelCount + " exist; shorten the text");
        }
        int[] noiseLengths = randomSegmentation(noise, spans, random);
        int[] keptLengths = randomSegmentation(length - noise, spans, random);
        boolean[] mask = new boolean[length];
        int at = 0;
        for (int s = 0; s < spans; s++) {
            at += keptLengths[s];
            Arrays.fill(mask, at, at + noiseLengths[s], true);
            at += noiseLengths[s];
        }
        return mask;
    }

    /**
     * Corrupts content (token ids without a trailing {@code </s>}; one that is there is dropped first).
     *
     * @param seed the corruption is a pure function of (content, seed)
     */
    public TokenizedExample corrupt(String id, int[] content, long seed) {
        int length = content.length;
        if (length > 0 && content[length - 1] == eosId) {
            length--;
        }
        boolean[] mask = noiseMask(length, new Random(seed));
        int spans = noiseSpans(length);
        int noise = noiseTokens(length);
        int[] input = new int[length - noise + spans + 1];
        int[] target = new int[noise + spans + 1];
        int in = 0;
        int out = 0;
        int span = -1;
        for (int i = 0; i < length; i++) {
            if (!mask[i]) {
                input[in++] = content[i];
                continue;
            }
            if (i == 0 || !mask[i - 1]) {
                span++;
                input[in++] = sentinel(span);
                target[out++] = sentinel(span);
            }
            target[out++] = content[i];
        }
        input[in] = eosId;
        target[out] = eosId;
        return new TokenizedExample(id, input, target);
    }

    /**
     * Cuts numItems items into numSegments non-empty segments, every cut equally likely: chooses which
     * numSegments - 1 of the numItems - 1 gaps between items start a new segment (a partial Fisher-Yates
     * shuffle of the gaps).
     */
    static int[] randomSegmentation(int numItems, int numSegments, Random random) {
        if (numSegments < 1 || numSegments > numItems) {
            throw new Lora4jException("span corruption", "cannot cut " + numItems + " items into " + numSegments
                    + " non-empty segments");
        }
        int gaps = numItems - 1;
        int[] gap = new int[gaps];
        for (int i = 0; i < gaps; i++) {
            gap[i] = i + 1; // a cut before item i + 1
        }
        for (int i = 0; i < numSegments - 1; i++) {
            int j = i + random.nextInt(gaps - i);
            int t = gap[i];
            gap[i] = gap[j];
            gap[j] = t;
        }
        int[] cuts = Arrays.copyOf(gap, numSegments - 1);
        Arrays.sort(cuts);
        int[] lengths = new int[numSegments];
        int previous = 0;
        for (int s = 0; s < numSegments - 1; s++) {
            lengths[s] = cuts[s] - previous;
            previous = cuts[s];
        }
        lengths[numSegments - 1] = numItems - previous;
        return lengths;
    }

    private static void requireCorruptible(int length) {
        if (length < 2) {
            throw new Lora4jException("span corruption", "need at least 2 tokens to corrupt, got " + length);
        }
    }
}
