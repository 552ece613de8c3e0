package dev.lora4j.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text around added tokens the way tokenizers' {@code AddedVocabulary::find_matches} does:
 * leftmost-longest matches scanned left to right, each scan resuming at the end of the match it
 * just considered (even when {@code single_word} rejects it); {@code lstrip}/{@code rstrip} then
 * widen an accepted match over neighbouring Unicode whitespace, never back into an earlier match.
 */
final class AddedTokenMatcher {
    /** A segment's id when it is ordinary text rather than an added token. */
    static final int TEXT = -1;

    private final AddedToken[] tokens;
    private final PieceTrie trie;

    /**
     * @param tokens the tokens to match; {@code patterns} gives the text to look for (the content, or
     *     its normalized form for normalized tokens), in the same order
     */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> patterns) {
        this.tokens = tokens.toArray(new AddedToken[0]);
        Map<String, Integer> byPattern = new HashMap<>();
        for (int i = 0; i < patterns.size(); i++) {
            // The first of two equal patterns wins, as in aho-corasick's leftmost-longest mode.
            if (!patterns.get(i).isEmpty()) {
                byPattern.putIfAbsent(patterns.get(i), i);
            }
        }
        this.trie = byPattern.isEmpty() ? null : new PieceTrie(byPattern);
    }

    boolean isEmpty() {
        return trie == null;
    }

    /**
     * Appends (start, end, id) triples covering {@code text[from, to)} to {@code segments}: the
     * added tokens with their ids and the text between them with {@link #TEXT}. Empty text segments
     * are left out.
     */
    void split(String text, int from, int to, IntList segments) {
        int segmentStart = from;
        int i = from;
        while (trie != null && i < to) {
            if (trie.rootChild(text.charAt(i)) == PieceTrie.NONE) {
                i++;
                continue;
            }
            int length = trie.longestPrefixLength(text, i, to);
            if (length == 0) {
                i++;
                continue;
            }
            AddedToken token = tokens[trie.exactMatch(text, i, i + length)];
            int start = i;
            int stop = i + length;
            i = stop;
            if (token.singleWord() && !isSingleWord(text, from, to, start, stop)) {
                continue;
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > from) {
                    int cp = text.codePointBefore(newStart);
                    if (!CharClasses.isUnicodeWhitespace(cp)) {
                        break;
                    }
                    newStart -= Character.charCount(cp);
                }
                start = Math.max(newStart, segmentStart);
            }
            if (token.rstrip()) {
                while (stop < to) {
                    int cp = text.codePointAt(stop);
                    if (!CharClasses.isUnicodeWhitespace(cp)) {
                        break;
                    }
                    stop += Character.charCount(cp);
                }
            }
            if (segmentStart < start) {
                add(segments, segmentStart, start, TEXT);
            }
            add(segments, start, stop, token.id());
            segmentStart = stop;
        }
        if (segmentStart < to) {
            add(segments, segmentStart, to, TEXT);
        }
    }

    private static void add(IntList segments, int start, int end, int id) {
        segments.add(start);
        segments.add(end);
        segments.add(id);
    }

    private static boolean isSingleWord(String text, int from, int to, int start, int stop) {
        boolean spaceBefore = start == from || !CharClasses.isRegexWordChar(text.codePointBefore(start));
        boolean spaceAfter = stop == to || !CharClasses.isRegexWordChar(text.codePointAt(stop));
        return spaceBefore && spaceAfter;
    }
}
