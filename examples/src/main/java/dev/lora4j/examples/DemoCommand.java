package dev.lora4j.examples;

import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.examples.demo.DemoListener;
import dev.lora4j.examples.demo.DemoPipeline;
import dev.lora4j.examples.demo.DemoRecipe;
import dev.lora4j.examples.demo.DemoResult;
import dev.lora4j.examples.demo.DemoRouge;
import dev.lora4j.examples.demo.DemoSample;
import dev.lora4j.examples.demo.DemoStage;
import dev.lora4j.examples.demo.StageTiming;
import dev.lora4j.examples.report.HtmlReport;
import dev.lora4j.examples.report.MethodResult;
import dev.lora4j.examples.report.ReportData;
import dev.lora4j.examples.report.SampleRow;
import dev.lora4j.examples.report.TaskProgress;
import dev.lora4j.examples.report.TrainingCurves;
import dev.lora4j.examples.report.TrainingProgress;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default job: nothing is downloaded. A tiny byte-level T5 is built and pretrained with
 * span corruption on generated dialogues, evaluated untuned, LoRA-tuned on dialogue summarization and
 * evaluated again; the run directory gets plots and an HTML report with side-by-side summaries.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The embedded end-to-end demo: pretrain a tiny byte-level T5, LoRA-tune it on generated dialogues, "
                + "ROUGE before/after, report.")
final class DemoCommand implements Callable<Integer> {
    /** ROUGE-L gain below which the demo says it failed: the recipe gains far more (docs/DEMO.md). */
    static final double MIN_ROUGE_L_GAIN = 10.0;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "runs/demo", description = "Run directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--reuse-base", description = "Load the pretrained base cached by an earlier --reuse-base run of the same recipe (skips pretraining), or cache it.")
    boolean reuseBase;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where pretrained bases are cached (default: ~/.cache/lora4j/demo).")
    Path cache;

    @Option(names = "--smoke", description = "A seconds-long version for tests; no quality expected.")
    boolean smoke;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads for libtorch (default: every core).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        PrintStream log = System.out;
        NativeLibrary.setNumThreads(threads != null ? threads : Runtime.getRuntime().availableProcessors());
        DemoRecipe recipe = smoke ? DemoRecipe.smoke() : DemoRecipe.defaults();
        Path cacheRoot = cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "lora4j", "demo");
        Path baseCache = cacheRoot.resolve("base-" + recipe.baseFingerprint());
        // The CPU GEMM library (LORA4J_CPU_GEMM, by default chosen by timing both at start) rounds the products
        // its own way, and this short recipe's ROUGE follows the rounding (docs/DEMO.md): printed so a run says
        // which of its reproducible results it gives.
        log.printf(Locale.ROOT, "demo: T5 d_model %d, %d+%d layers, byte vocabulary; %d generated dialogues; %d pretraining + %d LoRA steps; %d threads; CPU GEMM %s%n",
                recipe.model().dModel(), recipe.model().encoderLayers(), recipe.model().decoderLayers(), recipe.trainExamples(),
                recipe.pretrainSteps(), recipe.loraSteps(), NativeLibrary.numThreads(), NativeLibrary.cpuGemmLibrary());

        DemoResult result;
        try (Progress progress = new Progress(log)) {
            // With --reuse-base a cached base is loaded, or the one pretrained now is cached for next time.
            DemoPipeline pipeline = new DemoPipeline(recipe, out, reuseBase ? baseCache : null, progress);
            result = pipeline.run();
        }
        List<Path> plots = new ArrayList<>();
        if (result.pretrainRunDir() != null) {
            plots.addAll(TrainingCurves.write(result.pretrainRunDir()));
        }
        plots.addAll(TrainingCurves.write(result.fineTuneRunDir()));
        Path html = writeReport(result, plots);

        log.println();
        log.println("untuned (pretrained only): " + result.before());
        log.println("LoRA-tuned:                " + result.after());
        for (StageTiming t : result.timings()) {
            log.printf(Locale.ROOT, "  %-12s %7.1f s wall %7.1f s CPU%s%n", t.stage().name().toLowerCase(Locale.ROOT), t.wallSeconds(),
                    t.cpuSeconds(), t.tokens() > 0 ? String.format(Locale.ROOT, "  %,.0f tokens/s", t.tokensPerSecond()) : "");
        }
        log.printf(Locale.ROOT, "total %.1f s wall, %.1f s CPU; peak RSS %s%n", result.wallSeconds(), result.cpuSeconds(),
                ProcessStats.describePeakRss());
        log.println("adapter: " + result.adapterDir() + "   base: " + result.baseDir());
        log.println("report:  " + html);
        double gain = result.after().rougeL() - result.before().rougeL();
        if (!smoke && gain < MIN_ROUGE_L_GAIN) {
            throw new Lora4jException("demo", String.format(Locale.ROOT,
                    "LoRA gained only %.1f ROUGE-L points over the untuned model (expected at least %.0f)", gain, MIN_ROUGE_L_GAIN));
        }
        return 0;
    }

    private Path writeReport(DemoResult r, List<Path> plots) throws IOException {
        StageTiming pretrain = r.timing(DemoStage.PRETRAIN);
        StageTiming finetune = r.timing(DemoStage.FINETUNE);
        List<MethodResult> methods = List.of(
                method("untuned", "the pretrained base alone (span corruption only)", r.before(), "-",
                        pretrain == null ? "cached" : Evaluations.formatSeconds(pretrain.wallSeconds()) + " pretraining", r),
                method("lora", "LoRA r=" + r.recipe().loraRank() + " on " + String.join(",", r.recipe().loraTargets()), r.after(),
                        new ParameterCounts(r.trainableParameters(), r.totalParameters()).brief(),
                        finetune == null ? "-" : Evaluations.formatSeconds(finetune.wallSeconds()), r));
        List<SampleRow> samples = new ArrayList<>();
        for (DemoSample s : r.samples()) {
            Map<String, String> byMethod = new LinkedHashMap<>();
            byMethod.put("untuned", s.before());
            byMethod.put("lora", s.after());
            samples.add(new SampleRow(s.id(), s.dialogue(), s.reference(), byMethod));
        }
        // Absolute: HtmlReport links each plot relative to the page it writes.
        List<Path> absolutePlots = new ArrayList<>();
        for (Path p : plots) {
            absolutePlots.add(p.toAbsolutePath());
        }
        List<String> notes = new ArrayList<>();
        for (StageTiming t : r.timings()) {
            notes.add(String.format(Locale.ROOT, "%s: %.1f s wall, %.1f s CPU", t.stage().name().toLowerCase(Locale.ROOT),
                    t.wallSeconds(), t.cpuSeconds()));
        }
        notes.add(String.format(Locale.ROOT, "total: %.1f s wall, %.1f s CPU", r.wallSeconds(), r.cpuSeconds()));
        DemoRecipe c = r.recipe();
        ReportData data = new ReportData("lora4j embedded demo", "tiny byte-level T5, generated dialogues, LoRA",
                List.of(Map.entry("model", "T5 d_model " + c.model().dModel() + ", vocabulary 384 (bytes)"),
                        Map.entry("data", c.trainExamples() + " train / " + c.testExamples() + " test generated dialogues (seed " + c.seed() + ")"),
                        Map.entry("pretraining", c.pretrainSteps() + " steps of span corruption, batch " + c.pretrainBatchSize()),
                        Map.entry("LoRA", c.loraSteps() + " steps, batch " + c.loraBatchSize() + ", lr " + c.loraLearningRate()),
                        Map.entry("prompt", c.promptTemplate())),
                methods, samples, absolutePlots, notes);
        Path html = out.resolve("report.html");
        HtmlReport.writeJson(data, out.resolve("report.json"));
        HtmlReport.write(data, html);
        return html;
    }

    private static MethodResult method(String name, String description, DemoRouge rouge, String trainable, String time, DemoResult r) {
        return new MethodResult(name, description, rouge.rouge1(), rouge.rouge2(), rouge.rougeL(), rouge.rougeLsum(), trainable, time,
                r.recipe().testExamples());
    }

    /** Progress bars per stage: steps for the training stages, examples for the others. */
    private static final class Progress implements DemoListener, AutoCloseable {
        private final PrintStream log;
        private TrainingProgress training;
        private TaskProgress task;

        Progress(PrintStream log) {
            this.log = log;
        }

        @Override
        public void stageStarted(DemoStage stage, int work) {
            close();
            String label = stage.name().toLowerCase(Locale.ROOT).replace('_', ' ');
            if (stage == DemoStage.PRETRAIN || stage == DemoStage.FINETUNE) {
                training = new TrainingProgress(work, 0, label);
            } else {
                task = TaskProgress.count(label, work);
            }
        }

        @Override
        public void trainingStep(DemoStage stage, Trainer.StepMetrics metrics) {
            if (training != null) {
                training.onStep(metrics);
            }
        }

        @Override
        public void evaluated(DemoStage stage, int done, int total) {
            if (task != null) {
                task.step(done - task.current());
            }
        }

        @Override
        public void stageFinished(DemoStage stage, StageTiming timing) {
            close();
        }

        @Override
        public void close() {
            if (training != null) {
                training.close();
                training = null;
            }
            if (task != null) {
                task.close();
                task = null;
            }
        }
    }
}
