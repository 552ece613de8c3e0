package dev.lora4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The default tokenizer of {@code rouge-score} 0.1.2 ({@code rouge_score/tokenize.py}): lowercase, turn
 * every run of characters outside {@code [a-z0-9]} into a space, split on whitespace and, when stemming,
 * Porter-stem the tokens longer than three characters.
 *
 * <p>Python lowercases with the full Unicode mapping before the ASCII filter, so a few non-ASCII
 * letters survive as ASCII: U+212A (Kelvin sign) lowercases to "k", and U+0130 (capital I with dot
 * above) to "i" followed by a combining dot above, which is then a separator: "İstanbul" gives the
 * tokens "i" and "stanbul". {@link String#toLowerCase(Locale)} with {@link Locale#ROOT} applies the same
 * full mapping; everything else outside ASCII, accented letters included, is a separator. The parity
 * test checks every code point, in context, against rouge-score.
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

    /**
     * rouge-score's tokenizer with {@code use_stemmer=False}.
     *
     * @return a tokenizer that does not stem
     */
    public static RougeTokenizer withoutStemming() {
        return new RougeTokenizer(null);
    }

    /**
     * rouge-score's tokenizer with {@code use_stemmer=True}: tokens longer than three characters are
     * Porter-stemmed.
     *
     * @return a stemming tokenizer
     */
    public static RougeTokenizer withPorterStemming() {
        return new RougeTokenizer(new PorterStemmer());
    }

    /**
     * Whether tokens are Porter-stemmed.
     *
     * @return true for a stemming tokenizer
     */
    public boolean stems() {
        return stemmer != null;
    }

    /**
     * The tokens of {@code text}; an empty list for text with no ASCII letters or digits.
     *
     * @param text the text to tokenize; not null
     * @return a new list of lowercase {@code [a-z0-9]+} tokens, in text order
     */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        String lower = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i < lower.length(); i++) {
            // Surrogate halves are never ASCII, so walking chars rather than code points is safe here.
            char c = lower.charAt(i);
            if (isAsciiLetterOrDigit(c)) {
                current.append(c);
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

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
