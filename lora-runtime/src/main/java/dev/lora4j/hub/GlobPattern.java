package dev.lora4j.hub;

import java.util.regex.Pattern;

/**
 * A file-name pattern with the meaning huggingface_hub gives {@code allow_patterns}/{@code ignore_patterns}
 * (Python's fnmatch), so {@code --include} behaves as in {@code huggingface-cli download}: {@code *} matches any
 * run of characters including '/', {@code ?} one character, {@code [abc]} / {@code [!abc]} a set; a pattern
 * ending in '/' means everything under that directory.
 */
final class GlobPattern {
    private final String text;
    private final Pattern regex;

    GlobPattern(String text) {
        if (text == null || text.isEmpty()) {
            throw new HubException("empty file pattern");
        }
        this.text = text;
        this.regex = Pattern.compile(translate(text.endsWith("/") ? text + "*" : text), Pattern.DOTALL);
    }

    boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    @Override
    public String toString() {
        return text;
    }

    private static String translate(String glob) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i++);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int close = findSetEnd(glob, i);
                    if (close < 0) {
                        re.append("\\["); // an unclosed '[' is a literal, as in fnmatch
                    } else {
                        re.append(setToRegex(glob.substring(i, close)));
                        i = close + 1;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    /** Index of the ']' closing a set that starts at {@code from} (just after '['), or -1. */
    private static int findSetEnd(String glob, int from) {
        int j = from;
        if (j < glob.length() && glob.charAt(j) == '!') {
            j++;
        }
        if (j < glob.length() && glob.charAt(j) == ']') {
            j++; // a ']' right after '[' or '[!' is a member
        }
        while (j < glob.length() && glob.charAt(j) != ']') {
            j++;
        }
        return j < glob.length() ? j : -1;
    }

    private static String setToRegex(String body) {
        StringBuilder set = new StringBuilder("[");
        int k = 0;
        if (body.startsWith("!")) {
            set.append('^');
            k = 1;
        }
        for (; k < body.length(); k++) {
            char c = body.charAt(k);
            if (c == '-' && k > 0 && k < body.length() - 1 && !(k == 1 && body.startsWith("!"))) {
                set.append('-'); // a range such as a-z
            } else if (Character.isLetterOrDigit(c)) {
                set.append(c);
            } else {
                set.append('\\').append(c);
            }
        }
        return set.append(']').toString();
    }
}
