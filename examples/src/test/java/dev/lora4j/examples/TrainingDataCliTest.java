package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 1 of issue 14, training data silently dropped: rows of one dialogue are merged for evaluation
 * only; training uses every (dialogue, summary) pair; summarize gives one output per row read and needs no
 * summary; every command accounts for rows read, used, merged and skipped.
 */
class TrainingDataCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    private Path repeatedDialogue() throws IOException {
        return CliFixtures.jsonl(dir.resolve("dialogsum.repeated.jsonl"),
                "#Person1#: Lunch at noon? #Person2#: Sure.", "They agree to have lunch at noon.",
                "#Person1#: Lunch at noon? #Person2#: Sure.", "Person2 accepts a lunch invitation.",
                "#Person1#: Where is the bank? #Person2#: Next to the post office.", "Person2 gives directions.");
    }

    @Test
    void finetuneTrainsOnEveryPairOfARepeatedDialogue() throws IOException {
        Path data = repeatedDialogue();
        CliTest.Run r = CliTest.run(CliFixtures.finetune(dir.resolve("run"), data, 3));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 rows read, 3 used (0 merged), 0 skipped -> 3 training pairs"), r.out());
        assertTrue(r.out().contains("data: 3 training pairs"), r.out());
    }

    @Test
    void evalMergesTheRepeatedDialogueIntoOneMultiReferenceExample() throws IOException {
        Path out = dir.resolve("eval");
        CliTest.Run r = CliTest.run("eval", "-m", CliFixtures.config().toString(), "--random-init", "--test", repeatedDialogue().toString(),
                "--max-new-tokens", "4", "--max-source-length", "48", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 rows read, 3 used (1 merged), 0 skipped -> 2 examples"), r.out());
        List<String> rows = Files.readAllLines(out.resolve("predictions/original.jsonl"));
        assertEquals(2, rows.size());
        JsonNode first = CliFixtures.JSON.readTree(rows.getFirst());
        assertEquals(2, first.get("references").size(), "both summaries of the repeated dialogue are references");
    }

    @Test
    void summarizePrintsOneRowPerRowRead() throws IOException {
        CliTest.Run r = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--max-new-tokens", "4",
                "--max-source-length", "48", repeatedDialogue().toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertEquals(List.of("r1", "r2", "r3"), lines.stream().map(l -> {
            try {
                return CliFixtures.JSON.readTree(l).get("id").asText();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList());
        assertTrue(r.err().contains("3 rows read, 3 used (0 merged), 0 skipped -> 3 dialogues"), r.err());
    }

    @Test
    void summarizeReadsTheDialogueOnlyHiddenTestFile() throws IOException {
        Path hidden = CliTest.sharedData("dialogsum/dialogsum.hiddentest.dialogue.jsonl");
        CliTest.Run r = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--limit", "2",
                "--max-new-tokens", "4", "--max-source-length", "48", hidden.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(2, r.out().lines().count(), r.out());
        assertTrue(r.err().contains("100 rows read, 2 used (0 merged), 0 skipped, 98 beyond the limit -> 2 dialogues"), r.err());
    }

    @Test
    void skippedRowsAreCountedAndNamed() throws IOException {
        Path data = dir.resolve("with-empty.jsonl");
        Files.writeString(data, Files.readString(repeatedDialogue())
                + "{\"fname\": \"r4\", \"dialogue\": \"\", \"summary\": \"x\", \"topic\": \"t\"}\n");
        CliTest.Run r = CliTest.run(CliFixtures.finetune(dir.resolve("run"), data, 3, "--format", "dialogsum",
                "--on-invalid", "skip"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("4 rows read, 3 used (0 merged), 1 skipped (line 4: empty dialogue) -> 3 training pairs"), r.out());
    }
}
