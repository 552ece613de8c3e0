package dev.lora4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.testing.PythonReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tokenizer on chosen strings and, per code point, against rouge-score's. */
class RougeTokenizerTest {

    @Test
    void lowercasesAndSplitsOnAnythingButAsciiLettersAndDigits() {
        RougeTokenizer tokenizer = RougeTokenizer.withoutStemming();
        assertEquals(List.of("hello", "world", "it", "s", "3", "30pm"),
                tokenizer.tokenize("Hello, WORLD! It's 3:30pm."));
        assertEquals(List.of("caf", "na", "ve"), tokenizer.tokenize("Café naïve"));
        assertEquals(List.of(), tokenizer.tokenize(" \n\t…—!? "));
        assertEquals(List.of("a", "b"), tokenizer.tokenize("a\r\nb"));
        // U+0130 lowercases to "i" plus a combining dot, which splits the word; the Kelvin sign becomes "k".
        assertEquals(List.of("i", "stanbul", "kelvin"), tokenizer.tokenize("\u0130stanbul \u212Aelvin"));
    }

    @Test
    void stemsOnlyTokensLongerThanThreeCharacters() {
        RougeTokenizer tokenizer = RougeTokenizer.withPorterStemming();
        // "ties" (4 letters) is stemmed to "tie"; "was" (3 letters) is left alone, though nltk alone
        // would stem it to "wa".
        assertEquals(List.of("tie", "ies", "run", "was"), tokenizer.tokenize("ties ies running was"));
    }

    @Test
    void everyCodePointTokenizesInContextAsInRougeScore() throws URISyntaxException {
        Path script = Path.of(RougeTokenizerTest.class.getResource("/python/tokenizer_code_points.py").toURI());
        Map<Integer, String> expected = new LinkedHashMap<>();
        for (String line : PythonReference.runFile(script).split("\n")) {
            if (!line.isEmpty()) {
                String[] parts = line.split("\t", -1);
                expected.put(Integer.parseInt(parts[0]), parts[1]);
            }
        }
        RougeTokenizer tokenizer = RougeTokenizer.withoutStemming();
        Map<Integer, String> actual = new LinkedHashMap<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            List<String> tokens = tokenizer.tokenize("a" + Character.toString(cp) + "b");
            if (!tokens.equals(List.of("a", "b"))) {
                actual.put(cp, String.join(" ", tokens));
            }
        }
        List<Integer> nonAscii = new ArrayList<>();
        expected.keySet().stream().filter(cp -> cp > 127).forEach(nonAscii::add);
        System.out.println("[tokenizer parity] code points that are not plain separators: " + expected.size()
                + " (non-ASCII: " + nonAscii + ")");
        assertTrue(expected.size() >= 62, "the reference found too few token code points");
        assertEquals(expected, actual);
    }
}
