package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 7 of issue 14, late checks lose finished work: eval validates every adapter before the first
 * generation, writes each method's results as it finishes, and a rerun with the same settings reuses them.
 */
class EvalInputsCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    private String[] eval(Path out, String... extra) throws IOException {
        return eval(out, 4, extra);
    }

    private String[] eval(Path out, int newTokens, String... extra) throws IOException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("eval", "-m", CliFixtures.config().toString(),
                "--random-init", "--test", CliFixtures.TEST.toString(), "--limit", "2", "--max-new-tokens", Integer.toString(newTokens),
                "--max-source-length", "48", "-o", out.toString()));
        args.addAll(java.util.List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aBrokenLastAdapterIsFoundBeforeAnyGeneration() throws IOException {
        Path broken = CliFixtures.adapterWithConfig(dir.resolve("broken"), c -> c.put("r", 4)); // weights are r 8
        Path out = dir.resolve("eval");
        CliTest.Run r = CliTest.run(eval(out, "--adapter", "good=" + CliFixtures.adapter(), "--adapter", "broken=" + broken));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--adapter broken=" + broken), r.err());
        assertFalse(r.out().contains("ROUGE-1"), "nothing was generated: " + r.out());
        assertFalse(Files.exists(out.resolve("predictions")));
    }

    @Test
    void eachMethodIsWrittenAsItFinishesAndARerunReusesIt() throws IOException {
        Path out = dir.resolve("eval");
        CliTest.Run first = CliTest.run(eval(out, "--adapter", "tuned=" + CliFixtures.adapter()));
        assertEquals(0, first.code(), first.err());
        for (String f : java.util.List.of("original.jsonl", "original.settings.json", "tuned.jsonl", "tuned.settings.json")) {
            assertTrue(Files.isRegularFile(out.resolve("predictions").resolve(f)), f);
        }
        String scores = Files.readString(out.resolve("scores.json"));
        CliTest.Run again = CliTest.run(eval(out, "--adapter", "tuned=" + CliFixtures.adapter()));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("[reused predictions/original.jsonl]"), again.out());
        assertTrue(again.out().contains("[reused predictions/tuned.jsonl]"), again.out());
        assertEquals(scores, Files.readString(out.resolve("scores.json")), "the same scores from the reused predictions");
        // Other generation settings: generated again, not reused.
        CliTest.Run other = CliTest.run(eval(out, 3, "--adapter", "tuned=" + CliFixtures.adapter()));
        assertEquals(0, other.code(), other.err());
        assertFalse(other.out().contains("[reused"), other.out());
    }
}
