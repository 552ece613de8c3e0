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
 * Class 3 of issue 14, non-finite values pass: a NaN weight in a model or an adapter is refused on load
 * naming the tensor and the file (summarize, finetune --init-adapter, eval, merge); a refused merge
 * leaves no partial checkpoint, so the retry works.
 */
class NonFiniteCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    @Test
    void aModelWithANanWeightIsRefusedNamingTensorAndFile() throws IOException {
        Path model = CliFixtures.modelDirectory(dir.resolve("nan-model"), "decoder.block.1.layer.2.DenseReluDense.wo.weight");
        CliTest.Run r = CliTest.run("summarize", "-m", model.toString(), "--max-new-tokens", "4", CliFixtures.TEST.toString(), "--limit", "1");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("\"decoder.block.1.layer.2.DenseReluDense.wo.weight\""), r.err());
        assertTrue(r.err().contains(model.resolve("model.safetensors").toString()), r.err());
        assertTrue(r.err().contains("NaN or infinite"), r.err());
        assertEquals("", r.out(), "no empty summary is printed");
    }

    @Test
    void aNanInitAdapterIsRefusedBeforeTrainingNotBlamedOnTheLearningRate() throws IOException {
        Path nan = CliFixtures.nanAdapter(dir.resolve("nan-adapter"));
        Path run = dir.resolve("run");
        CliTest.Run r = CliTest.run(CliFixtures.finetune(run, "--init-adapter", nan.toString()));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("lora_B") && r.err().contains(nan.resolve("adapter_model.safetensors").toString()), r.err());
        assertFalse(r.err().contains("learning rate"), r.err());
        assertFalse(Files.exists(run), "nothing written for a refused run");
    }

    @Test
    void mergeRefusesANanAdapterAtomicallyAndTheRetrySucceeds() throws IOException {
        Path out = dir.resolve("merged");
        CliTest.Run bad = CliTest.run("merge", "-m", CliFixtures.config().toString(), "--random-init", "--adapter",
                CliFixtures.nanAdapter(dir.resolve("nan-adapter")).toString(), "-o", out.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("NaN or infinite"), bad.err());
        assertFalse(Files.exists(out), "a refused merge leaves nothing at -o");
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary folder is left");
        }
        CliTest.Run good = CliTest.run("merge", "-m", CliFixtures.config().toString(), "--random-init", "--adapter",
                CliFixtures.adapter().toString(), "-o", out.toString());
        assertEquals(0, good.code(), good.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }

    @Test
    void evalRefusesANanAdapterBeforeTheFirstGeneration() throws IOException {
        Path out = dir.resolve("eval");
        CliTest.Run r = CliTest.run("eval", "-m", CliFixtures.config().toString(), "--random-init", "--test", CliFixtures.TEST.toString(),
                "--limit", "2", "--max-new-tokens", "4", "--adapter", "nan=" + CliFixtures.nanAdapter(dir.resolve("nan")), "-o", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--adapter nan="), r.err());
        assertFalse(Files.exists(out.resolve("predictions")), "no method was evaluated");
    }
}
