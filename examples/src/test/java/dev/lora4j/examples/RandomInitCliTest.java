package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 4 of issue 14, surprising defaults: a config.json alone never silently becomes a random model;
 * --random-init makes it one and every command says so in its first lines; a config next to weights
 * points at the folder. (summarize of a dialogue-only file: TrainingDataCliTest.)
 */
class RandomInitCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    @Test
    void aConfigAloneNeedsRandomInit() throws IOException {
        CliTest.Run r = CliTest.run("summarize", "-m", CliFixtures.config().toString(), CliFixtures.TEST.toString(), "--limit", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("pass --random-init"), r.err());
    }

    @Test
    void aConfigNextToWeightsPointsAtTheFolder() throws IOException {
        Path model = CliFixtures.modelDirectory(dir.resolve("model"), null);
        CliTest.Run r = CliTest.run("summarize", "-m", model.resolve("config.json").toString(), CliFixtures.TEST.toString(), "--limit", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("holds the weights: pass -m " + model.toAbsolutePath()), r.err());
        CliTest.Run random = CliTest.run("finetune", "-m", model.resolve("config.json").toString(), "--random-init", "--train",
                CliFixtures.TRAIN.toString(), "--limit", "2", "--steps", "1", "--batch-size", "2", "--max-source-length", "32",
                "--max-target-length", "8", "-o", dir.resolve("run").toString());
        assertEquals(0, random.code(), random.err());
        assertTrue(random.err().lines().limit(2).anyMatch(l -> l.contains("which --random-init ignores")), random.err());
    }

    @Test
    void everyCommandWarnsFirstAboutRandomWeights() throws IOException {
        String config = CliFixtures.config().toString();
        String test = CliFixtures.TEST.toString();
        CliTest.Run summarize = CliTest.run("summarize", "-m", config, "--random-init", "--limit", "1", "--max-new-tokens", "2", test);
        CliTest.Run eval = CliTest.run("eval", "-m", config, "--random-init", "--test", test, "--limit", "1", "--max-new-tokens", "2",
                "-o", dir.resolve("eval").toString());
        CliTest.Run merge = CliTest.run("merge", "-m", config, "--random-init", "--adapter", CliFixtures.adapter().toString(), "-o",
                dir.resolve("merged").toString());
        CliTest.Run finetune = CliTest.run(CliFixtures.finetune(dir.resolve("run")));
        for (CliTest.Run r : java.util.List.of(summarize, eval, merge, finetune)) {
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().lines().findFirst().orElse("").startsWith("warning: --random-init: the model is randomly initialised"),
                    r.err());
        }
    }
}
