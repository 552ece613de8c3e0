package dev.lora4j.tokenizer;

/**
 * Character classes exactly as the reference implementations define them; Java's own
 * {@link Character#isWhitespace} differs from all of them (it excludes U+00A0 and includes U+001C..1F).
 */
final class CharClasses {
    private CharClasses() {}

    /** Unicode White_Space: Rust's {@code char::is_whitespace} and regex {@code \s}. */
    static boolean isUnicodeWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Python's {@code str.isspace}: White_Space plus the separators U+001C..U+001F. */
    static boolean isPythonSpace(int cp) {
        return isUnicodeWhitespace(cp) || (cp >= 0x1C && cp <= 0x1F);
    }

    /** Rust regex {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, join controls. */
    static boolean isRegexWordChar(int cp) {
        if (Character.isAlphabetic(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK || type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.CONNECTOR_PUNCTUATION || cp == 0x200C || cp == 0x200D;
    }

    /** Replaces unpaired surrogates by U+FFFD: neither reference can take them (UTF-8 has no form for them). */
    static String withoutLoneSurrogates(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return replaceLoneSurrogates(text);
            }
        }
        return text;
    }

    private static String replaceLoneSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
