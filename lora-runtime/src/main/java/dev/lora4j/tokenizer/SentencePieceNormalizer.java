package dev.lora4j.tokenizer;

import dev.lora4j.tokenizer.SentencePieceModelFile.NormalizerSpec;
import java.util.Map;

/**
 * sentencepiece's {@code normalizer::Normalizer::Normalize}, character for character.
 *
 * <p>The input is consumed one rule at a time: a user-defined piece (copied as is), else the
 * longest charsmap key at that point (replaced), else one code point (copied). With
 * {@code remove_extra_whitespaces}, leading spaces are skipped, a replacement's leading spaces are
 * dropped after another space, and trailing spaces are cut at the end; with
 * {@code add_dummy_prefix} the result starts with one space; with {@code escape_whitespaces}
 * every space becomes U+2581. Note the whitespace rules look at the normalized text, so a tab or
 * newline that the charsmap turns into a space counts as a space.
 */
final class SentencePieceNormalizer {
    static final char SPACE_SYMBOL = '\u2581';

    private final PrecompiledCharsMap charsMap;
    private final PieceTrie userDefinedSymbols;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;

    /**
     * @param userDefined the USER_DEFINED pieces (matched before the charsmap and never normalized);
     *     may be empty
     */
    SentencePieceNormalizer(NormalizerSpec spec, Map<String, Integer> userDefined, String source) {
        this.charsMap = spec.precompiledCharsmap().length == 0
                ? null
                : new PrecompiledCharsMap(spec.precompiledCharsmap(), source);
        this.userDefinedSymbols = userDefined.isEmpty() ? null : new PieceTrie(userDefined);
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
    }

    String normalize(String input) {
        int n = input.length();
        int i = 0;
        StringBuilder out = new StringBuilder(n + 8);
        if (removeExtraWhitespaces) {
            while (i < n) {
                int consumed = prefixLength(input, i);
                if (!isSingleSpace(input, i, consumed)) {
                    break;
                }
                i += consumed;
            }
        }
        if (i == n) {
            return "";
        }
        if (addDummyPrefix) {
            out.append(escapeWhitespaces ? SPACE_SYMBOL : ' ');
        }
        boolean previousIsSpace = removeExtraWhitespaces;
        while (i < n) {
            char c = input.charAt(i);
            if (c < 128 && charsMap != null && userDefinedSymbols == null && charsMap.asciiStartsRule(c)
                    && charsMap.asciiRuleIsAlone(c) && (i + 1 == n || input.charAt(i + 1) < 128)) {
                // An ASCII char before another: only its own one-char rule (if any) can apply.
                String replacement = charsMap.asciiReplacement(c);
                if (replacement != null) {
                    previousIsSpace = appendPiece(replacement, previousIsSpace, out);
                    i++;
                    if (!removeExtraWhitespaces) {
                        previousIsSpace = false;
                    }
                    continue;
                }
            }
            if (c < 128 && isPlainAscii(c, i + 1 < n ? input.charAt(i + 1) : 0)) {
                // No rule and no user-defined symbol can start here: the char is copied as is.
                if (c == ' ') {
                    if (!previousIsSpace) {
                        out.append(escapeWhitespaces ? SPACE_SYMBOL : ' ');
                    }
                    previousIsSpace = removeExtraWhitespaces;
                } else {
                    out.append(c);
                    previousIsSpace = false;
                }
                i++;
                continue;
            }
            int consumed;
            CharSequence piece;
            int pieceFrom;
            int pieceTo;
            int userDefinedLength = userDefinedSymbols == null ? 0 : userDefinedSymbols.longestPrefixLength(input, i, n);
            long match = userDefinedLength > 0 || charsMap == null
                    ? PrecompiledCharsMap.NO_MATCH
                    : charsMap.longestPrefix(input, i, n);
            if (userDefinedLength > 0) {
                consumed = userDefinedLength;
                piece = input;
                pieceFrom = i;
                pieceTo = i + consumed;
            } else if (match != PrecompiledCharsMap.NO_MATCH) {
                consumed = PrecompiledCharsMap.matchEnd(match) - i;
                String replacement = charsMap.replacement(match);
                piece = replacement;
                pieceFrom = 0;
                pieceTo = replacement.length();
            } else {
                consumed = HuggingFaceUnigram.codePointLength(input, i, n);
                piece = input;
                pieceFrom = i;
                pieceTo = i + consumed;
            }
            previousIsSpace = appendPiece(piece, pieceFrom, pieceTo, previousIsSpace, out);
            i += consumed;
            if (!removeExtraWhitespaces) {
                previousIsSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            char space = escapeWhitespaces ? SPACE_SYMBOL : ' ';
            int length = out.length();
            while (length > 0 && out.charAt(length - 1) == space) {
                length--;
            }
            out.setLength(length);
        }
        return out.toString();
    }

    private boolean appendPiece(String piece, boolean previousIsSpace, StringBuilder out) {
        return appendPiece(piece, 0, piece.length(), previousIsSpace, out);
    }

    /**
     * Appends one rule's output: its leading spaces are dropped after a space (with
     * {@code remove_extra_whitespaces}) and spaces are escaped. Returns whether the output now ends
     * in a space; an output that came out empty leaves that unchanged.
     */
    private boolean appendPiece(CharSequence piece, int from, int to, boolean previousIsSpace, StringBuilder out) {
        int start = from;
        if (previousIsSpace) {
            while (start < to && piece.charAt(start) == ' ') {
                start++;
            }
        }
        if (start == to) {
            return previousIsSpace;
        }
        for (int k = start; k < to; k++) {
            char p = piece.charAt(k);
            out.append(escapeWhitespaces && p == ' ' ? SPACE_SYMBOL : p);
        }
        return piece.charAt(to - 1) == ' ';
    }

    /** Whether no rule and no user-defined symbol can start at this ASCII char (followed by {@code next}). */
    private boolean isPlainAscii(char c, char next) {
        return (charsMap == null || !charsMap.asciiStartsRule(c)
                        || (charsMap.asciiReplacement(c) == null && charsMap.asciiRuleIsAlone(c) && next < 128))
                && (userDefinedSymbols == null || userDefinedSymbols.rootChild(c) == PieceTrie.NONE);
    }

    /** How many chars the rule at {@code i} consumes (used while skipping leading spaces). */
    private int prefixLength(String input, int i) {
        int n = input.length();
        if (userDefinedSymbols != null) {
            int length = userDefinedSymbols.longestPrefixLength(input, i, n);
            if (length > 0) {
                return length;
            }
        }
        if (charsMap != null) {
            long match = charsMap.longestPrefix(input, i, n);
            if (match != PrecompiledCharsMap.NO_MATCH) {
                return PrecompiledCharsMap.matchEnd(match) - i;
            }
        }
        return HuggingFaceUnigram.codePointLength(input, i, n);
    }

    /** Whether the rule at {@code i} (consuming {@code consumed} chars) normalizes to exactly " ". */
    private boolean isSingleSpace(String input, int i, int consumed) {
        if (userDefinedSymbols != null && userDefinedSymbols.longestPrefixLength(input, i, input.length()) > 0) {
            return consumed == 1 && input.charAt(i) == ' ';
        }
        if (charsMap != null) {
            long match = charsMap.longestPrefix(input, i, input.length());
            if (match != PrecompiledCharsMap.NO_MATCH) {
                return " ".equals(charsMap.replacement(match));
            }
        }
        return consumed == 1 && input.charAt(i) == ' ';
    }
}
