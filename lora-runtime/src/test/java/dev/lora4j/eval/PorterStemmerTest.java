package dev.lora4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stemmer against Porter's examples and against nltk 3.10.4 on every distinct corpus token. */
class PorterStemmerTest {
    private final PorterStemmer stemmer = new PorterStemmer();

    @Test
    void examplesFromThePaperAndNltkExtensions() {
        String[][] cases = {
            {"caresses", "caress"}, {"ponies", "poni"}, {"cats", "cat"}, {"feed", "feed"}, {"agreed", "agre"},
            {"plastered", "plaster"}, {"motoring", "motor"}, {"sing", "sing"}, {"conflated", "conflat"},
            {"hopping", "hop"}, {"falling", "fall"}, {"filing", "file"}, {"happy", "happi"}, {"enjoy", "enjoy"},
            {"relational", "relat"}, {"generalization", "gener"}, {"controlling", "control"}, {"rate", "rate"},
            // NLTK's additions: irregular forms, "dies" -> "die", "spied" -> "spi", 1-2 letter words untouched.
            {"dying", "die"}, {"skies", "sky"}, {"news", "news"}, {"dies", "die"}, {"spied", "spi"}, {"is", "is"},
            {"Running", "run"}, {"yyyy", "yyyi"}, {"was", "wa"}, {"2024s", "2024"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], stemmer.stem(c[0]), c[0]);
        }
    }

    @Test
    void matchesNltkOnEveryDistinctTokenOfDialogSumAndSamsum() throws URISyntaxException {
        List<String> files = List.of(
                "dialogsum/dialogsum.train.jsonl", "dialogsum/dialogsum.dev.jsonl", "dialogsum/dialogsum.test.jsonl",
                "dialogsum/dialogsum.hiddentest.dialogue.jsonl", "dialogsum/dialogsum.hiddentest.topic.jsonl",
                "samsum/train.json", "samsum/val.json", "samsum/test.json");
        List<String> args = new ArrayList<>();
        for (String file : files) {
            args.add(SharedData.path(file).toString());
        }
        Path script = Path.of(PorterStemmerTest.class.getResource("/python/porter_reference.py").toURI());
        String output = PythonReference.runFile(script, args.toArray(String[]::new));

        int compared = 0;
        List<String> mismatches = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] tokenAndStem = line.split("\t", -1);
            String actual = stemmer.stem(tokenAndStem[0]);
            if (!actual.equals(tokenAndStem[1])) {
                mismatches.add(tokenAndStem[0] + ": nltk " + tokenAndStem[1] + ", lora4j " + actual);
            }
            compared++;
        }
        System.out.println("[porter parity] distinct tokens compared: " + compared + ", mismatches: " + mismatches.size());
        // DialogSum and SAMSum together have about 68k distinct tokens; a much smaller number means the
        // reference script read the wrong files.
        assertTrue(compared > 50_000, "only " + compared + " tokens compared");
        assertEquals(List.of(), mismatches.subList(0, Math.min(mismatches.size(), 50)));
    }
}
