package dev.lora4j.examples;

import dev.lora4j.data.DataUse;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.examples.report.TrainingCurves;
import dev.lora4j.peft.LoraModel;
import dev.lora4j.peft.PeftAdapter;
import dev.lora4j.summarize.InContextPrompts;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Lora4jException;
import dev.lora4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Compares methods on a test set by ROUGE and by reading: the original model (zero-shot), in-context
 * baselines (one-/few-shot), LoRA adapters and fully fine-tuned checkpoints. Writes predictions per
 * method, scores.json and report.html with the side-by-side table. An adapter or checkpoint that lies in
 * a finetune run directory (its final/, best/ or a checkpoint) brings that run's training curves: the
 * report then also plots every such run's loss on one chart, by method name.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "ROUGE of the original model, in-context baselines, adapters and fine-tuned models; side-by-side report.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--test", required = true, paramLabel = "FILE", description = "Evaluation data (references: every summary field).")
    Path testFile;

    @Option(names = "--adapter", paramLabel = "NAME=DIR", description = "A LoRA adapter (PEFT directory) on --model; repeatable.")
    Map<String, Path> adapters = new LinkedHashMap<>();

    @Option(names = "--finetuned", paramLabel = "NAME=DIR", description = "A fully fine-tuned checkpoint directory; repeatable.")
    Map<String, Path> finetuned = new LinkedHashMap<>();

    @Option(names = "--shots", paramLabel = "K", split = ",", defaultValue = "0",
            description = "In-context baselines of the original model: 0 (zero-shot), 1, 3, ... (default: ${DEFAULT-VALUE}).")
    List<Integer> shots;

    @Option(names = "--shots-from", paramLabel = "FILE", description = "Solved examples the shots are drawn from (e.g. the training split); needed for --shots above 0.")
    Path shotsFile;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory (default: runs/eval-TIME).")
    Path out;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16", description = "Generation batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--no-stemmer", description = "Score without the Porter stemmer (rouge-score use_stemmer=False).")
    boolean noStemmer;

    @Option(names = "--report-samples", paramLabel = "N", defaultValue = "10", description = "Side-by-side rows in the report (default: ${DEFAULT-VALUE}).")
    int reportSamples;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    GenerationOptions generationOptions;

    @Mixin
    DataOptions dataOptions;

    @Override
    public Integer call() {
        PrintStream log = System.out;
        Path dir = out != null ? out : Path.of("runs", "eval-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Tokenizer tokenizer = modelOptions.loadTokenizer();
        List<DialogueExample> examples = dataOptions.read(testFile, DataUse.EVALUATE, log);
        SummarizationPrompt template = generationOptions.template();
        GenerationConfig generation = generationOptions.config();
        RougeScorer scorer = Evaluations.scorer(!noStemmer);
        List<DialogueExample> shotPool = List.of();
        if (shots.stream().anyMatch(k -> k > 0)) {
            if (shotsFile == null) {
                throw new Lora4jException("cli", "--shots above 0 needs --shots-from FILE (solved examples, e.g. the training split)");
            }
            shotPool = dataOptions.read(shotsFile, DataUse.EVALUATE, log);
        }
        log.printf("evaluating on %d examples of %s%n", examples.size(), testFile);

        List<MethodRun> runs = new ArrayList<>();
        try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
            Summarizer summarizer = new Summarizer(model, tokenizer, template, generationOptions.maxSourceLength, generation, batchSize);
            for (int k : shots) {
                if (k < 0) {
                    throw new Lora4jException("cli", "--shots must be >= 0, got " + k);
                }
                String name = k == 0 ? "original" : k + "-shot";
                InContextPrompts prompts = k == 0 ? null : InContextPrompts.of(template, k, shotPool, tokenizer, generationOptions.maxSourceLength);
                runs.add(new MethodRun(Evaluations.run(name, summarizer, prompts, examples, scorer, log),
                        k == 0 ? "the model as given, zero-shot" : k + " solved examples in the prompt", "-", "-"));
            }
        }
        for (Map.Entry<String, Path> adapter : adapters.entrySet()) {
            // A fresh base per adapter: bias=all and modules_to_save change base weights that unload() keeps.
            try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
                LoraModel lora = PeftAdapter.load(model, adapter.getValue());
                long[] counts = lora.parameterCounts();
                Summarizer summarizer = new Summarizer(model, tokenizer, template, generationOptions.maxSourceLength, generation, batchSize);
                runs.add(new MethodRun(Evaluations.run(adapter.getKey(), summarizer, null, examples, scorer, log),
                        "LoRA adapter " + adapter.getValue(), Evaluations.formatParams(counts[0], counts[1]), "-"));
            }
        }
        for (Map.Entry<String, Path> tuned : finetuned.entrySet()) {
            try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(tuned.getValue(), modelOptions.device(), modelOptions.dtype())) {
                Summarizer summarizer = new Summarizer(model, tokenizer, template, generationOptions.maxSourceLength, generation, batchSize);
                runs.add(new MethodRun(Evaluations.run(tuned.getKey(), summarizer, null, examples, scorer, log),
                        "fine-tuned checkpoint " + tuned.getValue(), "-", "-"));
            }
        }
        List<Path> plots = trainingCurves(dir, log);
        Path html = Evaluations.writeComparison(dir, "lora4j evaluation", testFile.toString(), List.of(
                        Map.entry("model", modelOptions.model.toString()),
                        Map.entry("test data", testFile + " (" + examples.size() + " examples)"),
                        Map.entry("prompt", generationOptions.prompt),
                        Map.entry("generation", generationOptions.describe()),
                        Map.entry("ROUGE", noStemmer ? "rouge-score, no stemmer" : "rouge-score, Porter stemmer")),
                runs, examples, reportSamples, plots, List.of());
        log.println("report: " + html);
        return 0;
    }

    /** Loss curves of the finetune runs the evaluated adapters and checkpoints came from, on one chart. */
    private List<Path> trainingCurves(Path dir, PrintStream log) {
        Map<String, Path> trainingRuns = new LinkedHashMap<>();
        Map<String, Path> evaluated = new LinkedHashMap<>(adapters);
        evaluated.putAll(finetuned);
        for (Map.Entry<String, Path> e : evaluated.entrySet()) {
            Path run = enclosingRun(e.getValue());
            if (run != null) {
                trainingRuns.put(e.getKey(), run);
            }
        }
        if (trainingRuns.isEmpty()) {
            return List.of();
        }
        try {
            List<Path> written = TrainingCurves.writeComparison(trainingRuns, dir.resolve(TrainingCurves.PLOTS_DIR));
            log.println("training curves of " + String.join(", ", trainingRuns.keySet()) + ": " + written);
            return written;
        } catch (IOException | RuntimeException e) {
            // The curves are a reading aid; an unreadable metrics file must not cost the evaluation.
            log.println("warning: no training curves (" + e.getMessage() + ")");
            return List.of();
        }
    }

    /**
     * The finetune run directory (it holds run-config.json and metrics.jsonl) that dir is part of, as its
     * final/ or best/ (one level up) or a checkpoint's weights/ (three levels up), or null.
     */
    static Path enclosingRun(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        for (int up = 1; up <= 3 && p.getParent() != null; up++) {
            p = p.getParent();
            if (Files.isRegularFile(p.resolve("run-config.json")) && Files.isRegularFile(p.resolve("metrics.jsonl"))) {
                return p;
            }
        }
        return null;
    }
}
