package dev.lora4j.tokenizer;

/** The Hugging Face pre-tokenizers T5-family files use. */
final class PreTokenizers {
    private PreTokenizers() {}

    /** When Metaspace puts the replacement char in front of a word. */
    enum PrependScheme {
        ALWAYS, FIRST, NEVER
    }

    /**
     * {@code Metaspace}: spaces become the replacement char (U+2581), the scheme decides whether a
     * word that does not already start with it gets one, and with {@code split} each replacement char
     * starts a new word (tokenizers' MergedWithNext): {@code "▁a▁▁b"} gives {@code ▁a}, {@code ▁}, {@code ▁b}.
     */
    record Metaspace(char replacement, PrependScheme prependScheme, boolean split) implements PreTokenizer {
        @Override
        public void preTokenize(PreTokenizedText in, PreTokenizedText out) {
            StringBuilder src = in.text;
            StringBuilder dst = out.text;
            for (int w = 0; w < in.wordCount(); w++) {
                int start = in.start(w);
                int end = in.end(w);
                int origin = in.charsFromFirstInputChar(w);
                int wordStart = dst.length();
                boolean prepend = switch (prependScheme) {
                    case ALWAYS -> true;
                    case FIRST -> origin > 0;
                    case NEVER -> false;
                };
                char head = src.charAt(start);
                if (prepend && head != replacement && head != ' ') {
                    dst.append(replacement);
                    if (origin > 0) {
                        origin++; // the prepended char is aligned with the word's first char
                    }
                }
                for (int i = start; i < end; i++) {
                    char c = src.charAt(i);
                    dst.append(c == ' ' ? replacement : c);
                }
                int wordEnd = dst.length();
                if (!split) {
                    out.addWord(wordStart, wordEnd, origin);
                    continue;
                }
                int pieceStart = wordStart;
                for (int i = wordStart + 1; i < wordEnd; i++) {
                    if (dst.charAt(i) == replacement) {
                        out.addWord(pieceStart, i, origin - (pieceStart - wordStart));
                        pieceStart = i;
                    }
                }
                out.addWord(pieceStart, wordEnd, origin - (pieceStart - wordStart));
            }
        }
    }

    /** {@code WhitespaceSplit}: words are the runs between Unicode White_Space characters. */
    record WhitespaceSplit() implements PreTokenizer {
        @Override
        public void preTokenize(PreTokenizedText in, PreTokenizedText out) {
            StringBuilder src = in.text;
            StringBuilder dst = out.text;
            for (int w = 0; w < in.wordCount(); w++) {
                int start = in.start(w);
                int end = in.end(w);
                int origin = in.charsFromFirstInputChar(w);
                int i = start;
                while (i < end) {
                    int cp = Character.codePointAt(src, i);
                    if (CharClasses.isUnicodeWhitespace(cp)) {
                        i += Character.charCount(cp);
                        continue;
                    }
                    int runStart = i;
                    while (i < end) {
                        cp = Character.codePointAt(src, i);
                        if (CharClasses.isUnicodeWhitespace(cp)) {
                            break;
                        }
                        i += Character.charCount(cp);
                    }
                    int outStart = dst.length();
                    dst.append(src, runStart, i);
                    out.addWord(outStart, dst.length(), origin - (runStart - start));
                }
            }
        }
    }
}
