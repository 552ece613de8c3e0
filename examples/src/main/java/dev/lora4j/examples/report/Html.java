package dev.lora4j.examples.report;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Escaping for text and attribute values, and relative image links; everything the user supplies passes through here. */
final class Html {
    private Html() {}

    /**
     * Escapes text for element content and quoted attribute values alike. CRLF and lone CR become LF (so
     * pre-wrap cells break once per line); other control characters, which HTML forbids, become U+FFFD.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '\r' -> {
                    out.append('\n');
                    if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                        i++;
                    }
                }
                case '\n', '\t' -> out.append(c);
                default -> out.append(Character.isISOControl(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    /**
     * The URL of {@code target} as seen from a page in {@code pageDir}: a relative path when both are on one
     * file system root, each segment percent-encoded (spaces, '#', '?' and non-ASCII names survive), else an
     * absolute file: URI. The result still needs {@link #escape} inside an attribute.
     */
    static String relativeUrl(Path pageDir, Path target) {
        Path page = pageDir.toAbsolutePath().normalize();
        Path file = target.toAbsolutePath().normalize();
        if (!file.getRoot().equals(page.getRoot())) {
            return file.toUri().toString();
        }
        StringBuilder url = new StringBuilder();
        for (Path segment : page.relativize(file)) {
            if (!url.isEmpty()) {
                url.append('/');
            }
            url.append(URLEncoder.encode(segment.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return url.toString();
    }
}
