package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 9 of issue 14, the smaller ones: score keeps trailing empty lines as rouge-score does and
 * refuses a text too long for ROUGE-L quickly; stale checkpoint temporaries go on resume; a refused
 * resume names the option, and housekeeping options may change; numeric options are checked one by one.
 * (merge atomicity: NonFiniteCliTest.)
 */
class HousekeepingCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    @Test
    void scoreCountsTrailingEmptyLinesAsRougeScoreDoes() throws Exception {
        Path predictions = dir.resolve("p.txt");
        Path references = dir.resolve("r.txt");
        Files.writeString(predictions, "the cat sat\n\n");
        Files.writeString(references, "the cat sat\n\n");
        CliTest.Run r = CliTest.run("score", "--predictions", predictions.toString(), "--references", references.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode ours = CliFixtures.JSON.readTree(r.out());
        assertEquals(2, ours.get("examples").asInt());
        // rouge-score over the same two lines: 1.0 and 0.0 (empty against empty).
        assertEquals(0.5, ours.get("rouge1").get("fmeasure").asDouble(), 1e-12);
        assertEquals(0.5, ours.get("rougeL").get("fmeasure").asDouble(), 1e-12);
    }

    @Test
    void scoreRefusesAHugeLineQuicklyNamingTheLimit() throws IOException {
        Path predictions = dir.resolve("p.txt");
        Path references = dir.resolve("r.txt");
        String huge = "word ".repeat(500_000) + "\n";
        Files.writeString(predictions, "short summary\n" + huge);
        Files.writeString(references, "short summary\n" + huge);
        long start = System.nanoTime();
        CliTest.Run r = CliTest.run("score", "--predictions", predictions.toString(), "--references", references.toString(),
                "--no-stemmer");
        assertTrue((System.nanoTime() - start) / 1e9 < 20, "refused quickly");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(predictions + ": line 2: ROUGE-L of a 500000-token prediction"), r.err());
        assertTrue(r.err().contains("over the limit of 25000000"), r.err());
        CliTest.Run ngrams = CliTest.run("score", "--predictions", predictions.toString(), "--references", references.toString(),
                "--types", "rouge1", "--no-stemmer");
        assertEquals(0, ngrams.code(), "ROUGE-1 has no such limit: " + ngrams.err());
    }

    @Test
    void resumeRemovesStaleTemporariesNamesDifferingOptionsAndAllowsHousekeeping() throws IOException {
        Path run = dir.resolve("run");
        assertEquals(0, CliTest.run(CliFixtures.finetune(run)).code());
        Path stale = run.resolve("checkpoints/step-00000001.tmp-0123");
        Files.createDirectories(stale.resolve("weights"));
        Path staleFile = run.resolve("final/adapter_model.safetensors.tmp-0123456789abcdef");
        Files.writeString(staleFile, "half");
        CliTest.Run differs = CliTest.run(CliFixtures.finetune(run, "--r", "4", "--lr", "0.01"));
        assertEquals(1, differs.code());
        assertTrue(differs.err().contains("--r (the run has 8, this command 4)"), differs.err());
        assertTrue(differs.err().contains("--lr (the run has 0.001, this command 0.01)"), differs.err());
        CliTest.Run housekeeping = CliTest.run(CliFixtures.finetune(run, "--keep-checkpoints", "5", "--log-every", "3"));
        assertEquals(0, housekeeping.code(), housekeeping.err());
        assertTrue(housekeeping.out().contains("removed 1 unfinished checkpoint folder(s) and 1 temporary file(s)"), housekeeping.out());
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(staleFile));
    }

    @Test
    void numericOptionsAreCheckedOneByOne() throws IOException {
        String[][] cases = {
                {"--eps", "0", "--eps must be a positive number, got 0.0"},
                {"--beta2", "1", "--beta2 must be at least 0.0 and below 1.0, got 1.0"},
                {"--lr", "NaN", "--lr must be a positive number, got NaN"},
                {"--warmup", "5", "--warmup must be between 0 and 1, got 5"},
                {"--lora-dropout", "1.5", "--lora-dropout must be at least 0.0 and below 1.0"},
                {"--r", "0", "--r must be between 1 and 256, got 0"},
                {"--max-new-tokens", "0", "--max-new-tokens must be at least 1, got 0"},
                {"--patience", "2", "--patience counts validation evaluations"},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run(CliFixtures.finetune(dir.resolve("never"), c[0], c[1]));
            assertEquals(1, r.code(), c[0]);
            assertTrue(r.err().contains(c[2]), r.err());
        }
        assertFalse(Files.exists(dir.resolve("never")), "no option error leaves a run directory behind");
        Path buckets = CliFixtures.writeConfig(dir.resolve("buckets.json"), c -> c.put("relative_attention_num_buckets", 2));
        CliTest.Run r = CliTest.run("summarize", "-m", buckets.toString(), "--random-init", CliFixtures.TEST.toString(), "--limit", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("\"relative_attention_num_buckets\" must be at least 4, got 2"), r.err());
    }
}
