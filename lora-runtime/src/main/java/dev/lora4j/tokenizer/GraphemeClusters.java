package dev.lora4j.tokenizer;

/**
 * Cheap extended-grapheme-cluster boundaries for the common case, so the normalizer only falls back
 * to {@link java.text.BreakIterator} (UAX #29 in the JDK) around characters that can join clusters.
 */
final class GraphemeClusters {
    private GraphemeClusters() {}

    /**
     * The end of the cluster starting at {@code i} when it is certainly a single code point, else -1.
     *
     * <p>A cluster ends before an ASCII char unless it is CR followed by LF, or the current code point
     * is a Prepend character (none is below U+0600): ASCII chars are never Extend, ZWJ or SpacingMark.
     */
    static int nextBoundary(String text, int i) {
        int n = text.length();
        int cp = text.codePointAt(i);
        int end = i + Character.charCount(cp);
        if (end >= n) {
            return n;
        }
        char next = text.charAt(end);
        if (next < 128 && cp < 0x0600 && !(cp == '\r' && next == '\n')) {
            return end;
        }
        return -1;
    }
}
