package dev.lora4j.tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The small Hugging Face normalizers; {@link PrecompiledNormalizer} has its own file. */
final class Normalizers {
    private Normalizers() {}

    /** {@code Sequence}: each normalizer in turn. */
    record Sequence(List<Normalizer> steps) implements Normalizer {
        Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public String normalize(String text) {
            String result = text;
            for (Normalizer step : steps) {
                result = step.normalize(result);
            }
            return result;
        }

        @Override
        public int charsFromFirstInputChar(String text, int count) {
            String current = text;
            int remaining = count;
            for (Normalizer step : steps) {
                remaining = step.charsFromFirstInputChar(current, remaining);
                current = step.normalize(current);
            }
            return remaining;
        }
    }

    /** {@code Strip}: removes Unicode White_Space from the left and/or right end. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String text) {
            int start = 0;
            int end = text.length();
            if (left) {
                while (start < end) {
                    int cp = text.codePointAt(start);
                    if (!CharClasses.isUnicodeWhitespace(cp)) {
                        break;
                    }
                    start += Character.charCount(cp);
                }
            }
            if (right) {
                while (end > start) {
                    int cp = text.codePointBefore(end);
                    if (!CharClasses.isUnicodeWhitespace(cp)) {
                        break;
                    }
                    end -= Character.charCount(cp);
                }
            }
            return start == 0 && end == text.length() ? text : text.substring(start, end);
        }

        @Override
        public int charsFromFirstInputChar(String text, int count) {
            int stripped = 0;
            while (left && stripped < text.length() && CharClasses.isUnicodeWhitespace(text.codePointAt(stripped))) {
                stripped += Character.charCount(text.codePointAt(stripped));
            }
            return Math.max(0, count - stripped);
        }
    }

    /**
     * {@code Replace}: every non-overlapping match of a literal or a regular expression, leftmost
     * first, becomes {@code content}. Regexes are compiled by {@link java.util.regex}, which agrees
     * with the Oniguruma engine tokenizers uses on the patterns tokenizer files contain in practice
     * (runs of spaces and the like), not on every construct.
     */
    static final class Replace implements Normalizer {
        private final String literal;
        private final Pattern regex;
        private final String content;

        private Replace(String literal, Pattern regex, String content) {
            this.literal = literal;
            this.regex = regex;
            this.content = content;
        }

        static Replace literal(String pattern, String content) {
            return new Replace(pattern, null, content);
        }

        static Replace regex(String pattern, String content) {
            return new Replace(null, Pattern.compile(pattern), content);
        }

        @Override
        public String normalize(String text) {
            if (literal != null) {
                return literal.isEmpty() ? text : text.replace(literal, content);
            }
            Matcher m = regex.matcher(text);
            if (!m.find()) {
                return text;
            }
            StringBuilder out = new StringBuilder(text.length());
            int last = 0;
            do {
                out.append(text, last, m.start()).append(content);
                last = m.end();
            } while (m.find());
            return out.append(text, last, text.length()).toString();
        }

        /** Chars before the first match keep their origin; a replacement takes its match's origin. */
        @Override
        public int charsFromFirstInputChar(String text, int count) {
            if (count == 0) {
                return 0;
            }
            int start;
            int end;
            if (literal != null) {
                start = literal.isEmpty() ? -1 : text.indexOf(literal);
                end = start + literal.length();
            } else {
                Matcher m = regex.matcher(text);
                start = m.find() ? m.start() : -1;
                end = start < 0 ? -1 : m.end();
            }
            if (start < 0 || start >= count) {
                return count;
            }
            return start + content.length() + Math.max(0, count - end);
        }
    }

    /** {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD} (the JDK's Unicode tables). */
    record UnicodeForm(java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            return java.text.Normalizer.normalize(text, form);
        }

        @Override
        public int charsFromFirstInputChar(String text, int count) {
            return count == 0 ? 0 : Math.max(1, normalize(text.substring(0, count)).length());
        }
    }

    /** {@code Lowercase}: Rust's per-character full lowercase mapping (no context-sensitive final sigma). */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            StringBuilder out = new StringBuilder(text.length());
            int i = 0;
            while (i < text.length()) {
                int cp = text.codePointAt(i);
                int next = i + Character.charCount(cp);
                if (cp < 128) {
                    out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
                } else {
                    out.append(text.substring(i, next).toLowerCase(Locale.ROOT));
                }
                i = next;
            }
            return out.toString();
        }

        @Override
        public int charsFromFirstInputChar(String text, int count) {
            return count == 0 ? 0 : Math.max(1, normalize(text.substring(0, count)).length());
        }
    }

    /** {@code Prepend}: puts a prefix before any non-empty text. */
    record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }

        /** The prefix is aligned with the first char, so it stems from the same input character. */
        @Override
        public int charsFromFirstInputChar(String text, int count) {
            return count == 0 ? 0 : count + prefix.length();
        }
    }
}
