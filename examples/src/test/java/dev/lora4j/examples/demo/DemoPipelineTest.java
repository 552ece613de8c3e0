package dev.lora4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.Lora4jException;
import dev.lora4j.train.MetricsLog;
import dev.lora4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's plumbing on the smoke recipe: every stage runs, reports, writes its files and frees its tensors. */
class DemoPipelineTest {

    /** Records the listener calls. */
    private static final class Recorder implements DemoListener {
        final List<String> events = new ArrayList<>();
        final List<Long> pretrainSteps = new ArrayList<>();
        final List<Long> fineTuneSteps = new ArrayList<>();

        @Override
        public void stageStarted(DemoStage stage, int work) {
            events.add("start " + stage);
        }

        @Override
        public void trainingStep(DemoStage stage, Trainer.StepMetrics metrics) {
            (stage == DemoStage.PRETRAIN ? pretrainSteps : fineTuneSteps).add(metrics.step());
        }

        @Override
        public void stageFinished(DemoStage stage, StageTiming timing) {
            events.add("end " + stage);
        }
    }

    @Test
    void theSmokeRecipeRunsEveryStageAndASecondRunUsesTheCachedBase(@TempDir Path dir) throws Exception {
        DemoRecipe recipe = DemoRecipe.smoke();
        Path cache = dir.resolve("cache").resolve("demo-base-" + recipe.baseFingerprint());
        Recorder first = new Recorder();
        DemoResult r = new DemoPipeline(recipe, dir.resolve("run1"), cache, first).run();

        List<String> stages = new ArrayList<>();
        for (DemoStage s : DemoStage.values()) {
            stages.add("start " + s);
            stages.add("end " + s);
        }
        assertEquals(stages, first.events);
        assertEquals(List.of(1L, 2L, 3L), first.pretrainSteps);
        assertEquals(List.of(1L, 2L, 3L), first.fineTuneSteps);
        assertFalse(r.baseFromCache());
        assertEquals(recipe.pretrainSteps(), r.pretrainLosses().size());
        assertEquals(recipe.loraSteps(), r.fineTuneLosses().size());
        assertTrue(r.pretrainLosses().stream().allMatch(l -> Double.isFinite(l) && l > 0));
        assertEquals(DemoStage.values().length, r.timings().size());
        for (StageTiming t : r.timings()) {
            assertTrue(t.wallSeconds() > 0 && t.cpuSeconds() >= 0, t.toString());
        }
        assertTrue(r.timing(DemoStage.PRETRAIN).tokens() > 0);
        assertEquals(recipe.testExamples(), r.timing(DemoStage.EVAL_AFTER).work());
        assertTrue(r.trainableParameters() > 0 && r.trainableParameters() < r.totalParameters());
        assertEquals(recipe.samples(), r.samples().size());
        for (DemoRouge rouge : List.of(r.before(), r.after())) {
            for (double v : new double[] {rouge.rouge1(), rouge.rouge2(), rouge.rougeL(), rouge.rougeLsum()}) {
                assertTrue(v >= 0 && v <= 100, rouge.toString());
            }
        }
        // The run directories and files the CLI's report and plots read.
        assertTrue(MetricsLog.read(r.pretrainRunDir().resolve("metrics.jsonl")).stream().anyMatch(row -> row.has("loss")));
        assertTrue(MetricsLog.read(r.fineTuneRunDir().resolve("metrics.jsonl")).stream().anyMatch(row -> row.has("loss")));
        assertTrue(Files.isRegularFile(r.baseDir().resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(r.adapterDir().resolve(AdapterFiles.WEIGHTS_FILE)));
        assertEquals(recipe.loraRank(), ((LoraConfig) PeftModel.readConfig(r.adapterDir())).r());
        assertTrue(Files.isRegularFile(cache.resolve("model.safetensors")), "the base was stored in the cache");

        Recorder second = new Recorder();
        DemoResult again = new DemoPipeline(recipe, dir.resolve("run2"), cache, second).run();
        assertTrue(again.baseFromCache());
        assertNull(again.timing(DemoStage.PRETRAIN));
        assertNull(again.pretrainRunDir());
        assertTrue(second.pretrainSteps.isEmpty());
        assertEquals(cache, again.baseDir());
        // Same base, same seeds: the same predictions as the first run.
        assertEquals(r.samples(), again.samples());
        assertEquals(r.after(), again.after());
    }

    @Test
    void recipesValidateTheirKnobsAndFingerprintTheBase() {
        DemoRecipe smoke = DemoRecipe.smoke();
        assertEquals(smoke.baseFingerprint(), DemoRecipe.smoke().baseFingerprint());
        assertNotEquals(smoke.baseFingerprint(), smoke.withPretraining(4, 4, 3e-3, 1).baseFingerprint());
        assertEquals(smoke.baseFingerprint(), smoke.withLora(8, 16, List.of("q")).baseFingerprint(),
                "LoRA settings do not change the base");
        assertThrows(Lora4jException.class, () -> smoke.withFineTuning(0, 4, 1e-3, 0));
        assertThrows(Lora4jException.class, () -> smoke.withPretraining(2, 4, 1e-3, 3));
        assertThrows(Lora4jException.class, () -> new TinyT5(30, 64, 4, 1, 1, true));
        assertEquals(TinyT5.VOCAB_SIZE, DemoRecipe.defaults().model().config().vocabSize());
    }
}
