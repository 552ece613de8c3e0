package dev.lora4j.tokenizer;

import java.text.BreakIterator;

/**
 * Hugging Face's {@code Precompiled} normalizer, which applies a sentencepiece charsmap differently
 * from sentencepiece itself.
 *
 * <p>tokenizers walks the text by extended grapheme cluster. A cluster shorter than 6 UTF-8 bytes
 * is looked up whole, and if the <em>shortest</em> key that is a prefix of it matches, the whole
 * cluster is replaced by that key's replacement (so {@code "ﬁ\u0301"} becomes {@code "fi"}: the
 * accent is lost). Otherwise each code point of the cluster is looked up on its own. sentencepiece
 * instead takes the longest key at each point; the two disagree on such inputs, and each loader
 * here reproduces its own reference.
 */
final class PrecompiledNormalizer implements Normalizer {
    private static final int WHOLE_CLUSTER_MAX_UTF8_BYTES = 5;

    private final PrecompiledCharsMap charsMap;

    PrecompiledNormalizer(PrecompiledCharsMap charsMap) {
        this.charsMap = charsMap;
    }

    PrecompiledCharsMap charsMap() {
        return charsMap;
    }

    @Override
    public String normalize(String text) {
        int n = text.length();
        StringBuilder out = null;
        BreakIterator clusters = null;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c < 128 && (i + 1 == n || isAsciiClusterEnd(c, text.charAt(i + 1)))) {
                String replacement = charsMap.asciiReplacement(c);
                if (replacement == null) {
                    if (out != null) {
                        out.append(c);
                    }
                } else {
                    out = started(out, text, i);
                    out.append(replacement);
                }
                i++;
                continue;
            }
            int end = GraphemeClusters.nextBoundary(text, i);
            if (end < 0) {
                if (clusters == null) {
                    clusters = BreakIterator.getCharacterInstance();
                    clusters.setText(text);
                }
                end = clusters.following(i);
            }
            if (utf8Length(text, i, end) <= WHOLE_CLUSTER_MAX_UTF8_BYTES) {
                long match = charsMap.shortestPrefix(text, i, end);
                if (match != PrecompiledCharsMap.NO_MATCH) {
                    out = started(out, text, i);
                    out.append(charsMap.replacement(match));
                    i = end;
                    continue;
                }
            }
            while (i < end) {
                int charLength = HuggingFaceUnigram.codePointLength(text, i, end);
                long match = charsMap.shortestPrefix(text, i, i + charLength);
                if (match != PrecompiledCharsMap.NO_MATCH) {
                    out = started(out, text, i);
                    out.append(charsMap.replacement(match));
                } else if (out != null) {
                    out.append(text, i, i + charLength);
                }
                i += charLength;
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * tokenizers' Precompiled records no alignment for a character it deletes, so whatever follows
     * inherits the deleted character's position: the first char keeps counting as the input's start.
     */
    @Override
    public int charsFromFirstInputChar(String text, int count) {
        return count == 0 ? 0 : Math.max(1, normalize(text.substring(0, count)).length());
    }

    /** An ASCII char ends its cluster unless it is CR before LF or a mark follows it. */
    private static boolean isAsciiClusterEnd(char c, char next) {
        return next < 128 && !(c == '\r' && next == '\n');
    }

    private static StringBuilder started(StringBuilder out, String text, int upTo) {
        if (out != null) {
            return out;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        sb.append(text, 0, upTo);
        return sb;
    }

    static int utf8Length(CharSequence text, int from, int to) {
        int bytes = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isSurrogate(c)) {
                bytes += 2; // each half of a pair: 4 bytes per pair
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
