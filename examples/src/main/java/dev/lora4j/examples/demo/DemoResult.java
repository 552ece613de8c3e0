package dev.lora4j.examples.demo;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a demo run measured.
 *
 * @param recipe              the recipe that ran
 * @param timings             one entry per stage that ran, in order (no PRETRAIN when the base came from the cache)
 * @param wallSeconds         the whole pipeline, wall clock
 * @param cpuSeconds          the whole pipeline, process CPU time
 * @param baseFromCache       whether the pretrained base was loaded instead of trained
 * @param pretrainLosses      loss of every pretraining step (empty when cached)
 * @param fineTuneLosses      loss of every fine-tuning step
 * @param trainableParameters LoRA parameters trained
 * @param totalParameters     parameters of the model with its adapters
 * @param before              ROUGE of the pretrained model alone on the test split
 * @param after               ROUGE with the trained adapter
 * @param samples             the first test examples with both models' summaries
 * @param baseDir             the pretrained base (a transformers checkpoint directory)
 * @param pretrainRunDir      the pretraining trainer's run directory (metrics.jsonl), or null when cached
 * @param fineTuneRunDir      the fine-tuning trainer's run directory (metrics.jsonl)
 * @param adapterDir          the trained adapter (a PEFT adapter directory whose base is baseDir)
 */
public record DemoResult(
        DemoRecipe recipe,
        List<StageTiming> timings,
        double wallSeconds,
        double cpuSeconds,
        boolean baseFromCache,
        List<Double> pretrainLosses,
        List<Double> fineTuneLosses,
        long trainableParameters,
        long totalParameters,
        DemoRouge before,
        DemoRouge after,
        List<DemoSample> samples,
        Path baseDir,
        Path pretrainRunDir,
        Path fineTuneRunDir,
        Path adapterDir) {

    public DemoResult {
        timings = List.copyOf(timings);
        pretrainLosses = List.copyOf(pretrainLosses);
        fineTuneLosses = List.copyOf(fineTuneLosses);
        samples = List.copyOf(samples);
    }

    /** The timing of a stage, or null if it did not run. */
    public StageTiming timing(DemoStage stage) {
        return timings.stream().filter(t -> t.stage() == stage).findFirst().orElse(null);
    }
}
