package dev.lora4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Hugging Face decoders a Unigram tokenizer file can name. */
final class TokenDecoders {
    private TokenDecoders() {}

    /**
     * {@code Metaspace}: the replacement char becomes a space, except in the first token, where every
     * replacement char is dropped unless the scheme is {@code never} (that is what tokenizers does,
     * not just stripping one leading space).
     */
    record Metaspace(char replacement, PreTokenizers.PrependScheme prependScheme) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                boolean dropReplacement = i == 0 && prependScheme != PreTokenizers.PrependScheme.NEVER;
                if (token.indexOf(replacement) < 0) {
                    out.add(token);
                    continue;
                }
                StringBuilder sb = new StringBuilder(token.length());
                for (int k = 0; k < token.length(); k++) {
                    char c = token.charAt(k);
                    if (c != replacement) {
                        sb.append(c);
                    } else if (!dropReplacement) {
                        sb.append(' ');
                    }
                }
                out.add(sb.toString());
            }
            return out;
        }
    }

    /** {@code Sequence}: each decoder in turn. */
    record Sequence(List<TokenDecoder> steps) implements TokenDecoder {
        Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> result = tokens;
            for (TokenDecoder step : steps) {
                result = step.decodeChain(result);
            }
            return result;
        }
    }

    /** {@code Replace}: a literal or regex replaced in every token. */
    static final class Replace implements TokenDecoder {
        private final Pattern pattern;
        private final String content;

        Replace(Pattern pattern, String content) {
            this.pattern = pattern;
            this.content = content;
        }

        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                out.add(pattern.matcher(token).replaceAll(Matcher.quoteReplacement(content)));
            }
            return out;
        }
    }

    /**
     * {@code ByteFallback}: runs of {@code <0xXX>} tokens become the text their bytes spell, or one
     * U+FFFD per byte when the bytes are not valid UTF-8.
     */
    record ByteFallbackDecoder() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int pending = 0;
            for (String token : tokens) {
                int b = parseByteToken(token);
                if (b >= 0) {
                    bytes.write(b);
                    pending++;
                    continue;
                }
                if (pending > 0) {
                    flush(bytes, pending, out);
                    pending = 0;
                }
                out.add(token);
            }
            if (pending > 0) {
                flush(bytes, pending, out);
            }
            return out;
        }

        private static int parseByteToken(String token) {
            if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(token.charAt(3), 16);
            int lo = Character.digit(token.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }

        private static void flush(ByteArrayOutputStream bytes, int count, List<String> out) {
            try {
                out.add(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes.toByteArray()))
                        .toString());
            } catch (CharacterCodingException e) {
                for (int i = 0; i < count; i++) {
                    out.add("\uFFFD");
                }
            }
            bytes.reset();
        }
    }

    /** {@code Fuse}: all tokens joined into one. */
    record Fuse() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** {@code Strip}: up to {@code start}/{@code stop} copies of {@code content} removed from each token's ends. */
    record Strip(char content, int start, int stop) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                int from = 0;
                int to = token.length();
                for (int i = 0; i < start && from < to && token.charAt(from) == content; i++) {
                    from++;
                }
                for (int i = 0; i < stop && to > from && token.charAt(to - 1) == content; i++) {
                    to--;
                }
                out.add(token.substring(from, to));
            }
            return out;
        }
    }
}
