package dev.lora4j.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The default tokenizer of {@code rouge-score} 0.1.2 ({@code rouge_score/tokenize.py}): lowercase, turn
 * every run of characters outside {@code [a-z0-9]} into a space, split on whitespace and, when stemming,
 * Porter-stem the tokens longer than three characters.
 *
 * <p>Python lowercases with the full Unicode mapping before the ASCII filter, so a few non-ASCII
 * letters survive as ASCII: U+0130 (capital I with dot) lowercases to "i" plus a combining dot, and
 * U+212A (Kelvin sign) to "k". Everything else outside ASCII, accented letters included, is a separator.
 * {@link Character#toLowerCase(int)} gives the same ASCII letter for exactly those code points, which
 * the parity test checks over every code point.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RougeTokenizer {
    /** Longest token left unstemmed: rouge-score stems only tokens "more than 3 characters long". */
    private static final int MAX_UNSTEMMED_LENGTH = 3;

    private final PorterStemmer stemmer;

    private RougeTokenizer(PorterStemmer stemmer) {
        this.stemmer = stemmer;
    }

    public static RougeTokenizer withoutStemming() {
        return new RougeTokenizer(null);
    }

    public static RougeTokenizer withPorterStemming() {
        return new RougeTokenizer(new PorterStemmer());
    }

    public boolean stems() {
        return stemmer != null;
    }

    /** The tokens of {@code text}; an empty list for text with no ASCII letters or digits. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            int lower = Character.toLowerCase(codePoint);
            if (isAsciiLetterOrDigit(lower)) {
                current.append((char) lower);
            } else {
                addToken(tokens, current);
            }
        }
        addToken(tokens, current);
        return tokens;
    }

    /** Moves the pending characters, stemmed if required, to the token list. */
    private void addToken(List<String> tokens, StringBuilder pending) {
        if (pending.isEmpty()) {
            return;
        }
        String token = pending.toString();
        pending.setLength(0);
        if (stemmer != null && token.length() > MAX_UNSTEMMED_LENGTH) {
            token = stemmer.stem(token);
        }
        // rouge-score's final filter keeps only non-empty [a-z0-9]+ tokens; a stem is always one, but
        // the check keeps the contract explicit.
        if (!token.isEmpty()) {
            tokens.add(token);
        }
    }

    private static boolean isAsciiLetterOrDigit(int c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
