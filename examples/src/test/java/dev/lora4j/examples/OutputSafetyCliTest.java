package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 2 of issue 14, writes where they must not: eval's method names cannot collide, take a baseline's
 * name or leave -o; summarize never writes over its input; nothing is written when a command is refused.
 */
class OutputSafetyCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    private CliTest.Run eval(Path out, String... adapters) throws IOException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("eval", "-m", CliFixtures.config().toString(),
                "--random-init", "--test", CliFixtures.TEST.toString(), "--limit", "2", "--max-new-tokens", "4", "-o", out.toString()));
        for (String a : adapters) {
            args.add("--adapter");
            args.add(a);
        }
        return CliTest.run(args.toArray(String[]::new));
    }

    @Test
    void evalRefusesReservedDuplicateAndEscapingNamesBeforeWritingAnything() throws IOException {
        String adapter = CliFixtures.adapter().toString();
        Path out = dir.resolve("eval");
        CliTest.Run original = eval(out, "original=" + adapter);
        assertEquals(1, original.code());
        assertTrue(original.err().contains("'original' is reserved"), original.err());
        CliTest.Run shot = eval(out, "3-shot=" + adapter);
        assertTrue(shot.err().contains("reserved"), shot.err());
        CliTest.Run duplicate = eval(out, "a=" + adapter, "a=" + adapter);
        assertEquals(1, duplicate.code());
        assertTrue(duplicate.err().contains("'a' is given twice"), duplicate.err());
        CliTest.Run folded = eval(out, "lora=" + adapter, "LoRA=" + adapter);
        assertTrue(folded.err().contains("given twice"), "names equal but for case collide on some file systems: " + folded.err());
        CliTest.Run escape = eval(out, "../../outside=" + adapter);
        assertEquals(1, escape.code());
        assertTrue(escape.err().contains("--adapter name '../../outside' is not allowed"), escape.err());
        assertFalse(Files.exists(out), "a refused eval writes nothing");
        assertFalse(Files.exists(dir.resolve("outside.jsonl")));
        for (CliTest.Run r : java.util.List.of(original, duplicate, escape)) {
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void summarizeNeverWritesOverItsInput() throws IOException {
        Path input = CliFixtures.jsonl(dir.resolve("dialogsum.dialogues.jsonl"), "#Person1#: Hi. #Person2#: Hello.", "They greet.");
        byte[] before = Files.readAllBytes(input);
        CliTest.Run same = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--output", input.toString(),
                input.toString());
        assertEquals(1, same.code());
        assertTrue(same.err().contains("--output " + input + " is the INPUT file"), same.err());
        // Another spelling of the same file.
        Path other = dir.resolve(".").resolve("sub/../dialogsum.dialogues.jsonl");
        Files.createDirectories(dir.resolve("sub"));
        CliTest.Run spelled = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--output", other.toString(),
                input.toString());
        assertEquals(1, spelled.code(), spelled.err());
        Path link = dir.resolve("link.jsonl");
        Files.createSymbolicLink(link, input);
        CliTest.Run linked = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--output", link.toString(),
                input.toString());
        assertEquals(1, linked.code(), "a link to the input is the input: " + linked.err());
        assertArrayEquals(before, Files.readAllBytes(input), "the input is untouched");

        Path written = dir.resolve("summaries.jsonl");
        CliTest.Run ok = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--max-new-tokens", "4",
                "--output", written.toString(), input.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals(1, Files.readAllLines(written).size());
    }
}
