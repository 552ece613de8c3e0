package dev.lora4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Inputs chosen to break tokenizers: Unicode normalization forms, full-width and compatibility
 * characters, combining marks, emoji sequences, control and format characters, every kind of
 * whitespace in every position, the meta symbol U+2581 itself, very long words, special tokens in
 * the text (also disguised as full-width), plus seeded random strings built to produce score ties.
 */
final class HardCases {
    private HardCases() {}

    static List<String> all() {
        List<String> cases = new ArrayList<>(List.of(
                // empty and whitespace only
                "", " ", "   ", "\t", "\n", "\r\n", " \t\n ", "\u3000", "\u00a0", "\u2028", "\u0085",
                // leading, trailing and repeated whitespace
                "Hello world", " Hello", "Hello ", "  Hello   world  ", "a  b", "a   b", "a\tb", "a\nb", "a\r\nb",
                "a \r\n b", "line1\n\nline2", "\tHello\n", "a\u00a0b", "a\u3000b", "a \u00a0 b", "x\u2009y", "x\u200by",
                "end.\r\n", "  \n  lead", "trail \t ",
                // NFKC, full-width, compatibility characters
                "ﬁ", "ﬁ́", "ﬁ\u0301x", "①②③", "Ⅻ", "㎏ ㎞", "ｈｅｌｌｏ　ｗｏｒｌｄ", "ＡＢＣ１２３！", "ｶﾞｷﾞ", "ｱｲｳｴｵ",
                "Å", "\u212b", "e\u0301", "é", "\u00a8", "x\u00a8y", "¨ ¨", "´x", "…", "™", "½ ¼", "x² y³", "ℌℍ",
                "ǅ", "ﬀﬃ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ⓐⓑ", "㈱", "ﷺ", "\u0130stanbul", "ß ẞ", "Ωmega Ω",
                // combining marks
                "a\u0300\u0301\u0302", "\u0301abc", " \u0301", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "ก่า", "नमस्ते", "क्षत्रिय",
                "\u1100\u1161\u11a8", "한국어 텍스트", "ñ n\u0303", "o\u0308\u0304",
                // emoji
                "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷🇩🇪", "❤️", "I ❤ Java", "☕️ time", "🏳️‍🌈", "🤖🤖 robots", "a😀b",
                // scripts the vocabulary lacks
                "你好，世界", "你好你好", "こんにちは", "ꙮ", "𓀀𓀁", "Привет, мир", "مرحبا", "שלום", "Γειά σου",
                // control and format characters
                "\u0000", "a\u0000b", "\u0001\u0002x", "\u007f", "x\u200dy", "\ufeffBOM", "soft\u00adhyphen",
                "\u200e\u200f", "\u2066x\u2069",
                // the meta symbol itself
                "\u2581", "\u2581\u2581hello", "hello\u2581world", "\u2581 \u2581", "_under_score_",
                // long words and repetition
                "a".repeat(5000), "supercalifragilisticexpialidocious".repeat(50), "m".repeat(2000), "Mmmmmmmmm",
                "1234567890".repeat(100), "ha".repeat(700), "!".repeat(300), "?!".repeat(200), ". . . . .",
                // special tokens in the text
                "<extra_id_0>", "Hello <extra_id_0> world", "<extra_id_0><extra_id_1>", "<extra_id_99>",
                "<extra_id_100>", "<extra_id_", "x<extra_id_5>y", "  <extra_id_0>  ", "a <extra_id_1>  b",
                "</s>", "a</s>b", "text </s>", "<pad>", "<pad><pad>", "<unk>", "x <unk> y", "<s>",
                "＜extra_id_0＞", "＜/s＞", "<<extra_id_1>>", "extra_id_0", "<extra_id_0 >", "<EXTRA_ID_0>",
                "\n<extra_id_3>\n", "\t</s>\t",
                // text that clean-up rewrites
                "Hello , world . How are you ? I 'm fine ! Don 't", "It's", " n't", "a ' b", "I 've , you 're",
                // dialogue-like
                "#Person1#: Hi!\n#Person2#: Hello.", "Amanda: I baked cookies. Do you want some?\r\nJerry: Sure!",
                "Elise: <file_photo> isn’t it your dog?\r\nJim: Omg, looks like him, where did you take it????"));
        cases.addAll(randomTieStrings(1500, 1234));
        cases.addAll(randomUnicodeStrings(1500, 5678));
        return cases;
    }

    /** Strings over a few letters whose pieces overlap (m, mm, mmm, ...), where scores tie. */
    static List<String> randomTieStrings(int count, long seed) {
        Random random = new Random(seed);
        String alphabet = "mmmggssaaeoo  .";
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int length = 1 + random.nextInt(60);
            for (int k = 0; k < length; k++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** Strings mixing ASCII with marks, compatibility forms, whitespace variants and emoji. */
    static List<String> randomUnicodeStrings(int count, long seed) {
        Random random = new Random(seed);
        String[] parts = {"a", "b", "e", "M", "m", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u0301",
            "\u0308", "\u0303", "ﬁ", "ｈ", "Ａ", "①", "é", "ñ", "¨", "´", "…", "’", "\"", "'", ",", ".", "?", "!",
            "😀", "👍🏽", "‍", "️", "你", "ก่", "\u2581", "<extra_id_0>", "</s>", "＜", "＞", "1", "23", "\u0000",
            "\u200b", "ß", "İ", "Ω", "ǅ", "\u1100", "\u1161", "ｶﾞ"};
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int length = 1 + random.nextInt(24);
            for (int k = 0; k < length; k++) {
                sb.append(parts[random.nextInt(parts.length)]);
            }
            out.add(sb.toString());
        }
        return out;
    }
}
