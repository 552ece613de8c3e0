package dev.lora4j.eval;

import java.util.List;

/** Edge-case texts for the ROUGE parity test: each is scored against every other. */
final class HardRougeCases {
    private HardRougeCases() {}

    static final List<String> STRINGS = List.of(
            "",
            " ",
            "\n",
            "\n\n\n",
            "...",
            "!?! -- ;;",
            "— – … « » “quotes”",
            "x",
            "Hello",
            "hello hello hello hello",
            "the the the cat the",
            "123 456 123 0 007",
            "3.14 is pi, 2,718 is e; 1e-9 is tiny",
            "Ünïcödé façade naïve café",
            "\u0130stanbul and the \u212Aelvin sign",
            "İ\u0307 i\u0307",
            "日本語のテキスト and English",
            "emoji 😀 test 😀 emoji",
            "ß STRASSE strasse",
            "ﬁnance ﬂow fi fl",
            "Ⅻ ⅻ ２０２４ full-width",
            "a\nb\nc",
            "line one.\nline two.\n\nline three",
            "\nleading newline",
            "trailing newline\n",
            "   spaced    out   ",
            "tab\tseparated\ttext",
            "carriage\rreturn\rinside",
            "crlf\r\nlines\r\nhere",
            "word\u00a0no-break\u2009thin\u200bzero-width",
            "running runs ran runner",
            "generalization generalizations general generally",
            "ties dies lies flies spied skies dying",
            "a b c d e f g h i j",
            "j i h g f e d c b a",
            "a b a b a b",
            "b a b a b a b",
            "The quick brown fox jumps over the lazy dog.",
            "the lazy dog jumps over the quick brown fox",
            "The quick brown fox.\nJumps over the lazy dog.",
            "#Person1#: Hi, how are you?\n#Person2#: I'm fine, thanks!\n#Person1#: Good.",
            "#Person1# and #Person2# talk about the weather.",
            "don't won't can't it's they're",
            "a-b_c/d\\e+f=g",
            "yyyy sky skies happy happiness",
            "controlling controlled control conditional rational",
            "\u0000nul\u0001control\u007fchars");
}
