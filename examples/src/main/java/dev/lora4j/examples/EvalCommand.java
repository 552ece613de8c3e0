package dev.lora4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DataUse;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.examples.report.TrainingCurves;
import dev.lora4j.io.DirectoryLock;
import dev.lora4j.io.FiniteCheck;
import dev.lora4j.io.StaleTemporaries;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.summarize.InContextPrompts;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.summarize.SummaryEvaluation;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
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

    @Option(names = "--adapter", paramLabel = "NAME=DIR", description = "An adapter directory (any method) on --model; repeatable. "
            + "NAME: letters, digits, '.', '_', '-'; unique; not original or K-shot.")
    List<String> adapterValues = new ArrayList<>();

    @Option(names = "--finetuned", paramLabel = "NAME=DIR", description = "A fully fine-tuned checkpoint directory; repeatable.")
    List<String> finetunedValues = new ArrayList<>();

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
        modelOptions.check(System.err);
        GenerationConfig generation = generationOptions.config();
        OptionChecks.atLeast("--batch-size", batchSize, 1);
        OptionChecks.atLeast("--report-samples", reportSamples, 0);
        // Names first: they become file names, and two methods of one name would overwrite each other.
        MethodNames names = new MethodNames();
        for (int k : shots) {
            OptionChecks.atLeast("--shots", k, 0);
            names.baseline(k == 0 ? "original" : k + "-shot", "--shots");
        }
        Map<String, Path> adapters = names.parse("--adapter", adapterValues);
        Map<String, Path> finetuned = names.parse("--finetuned", finetunedValues);
        Path dir = out != null ? out : Path.of("runs", "eval-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        OutputPaths.requireDirectory("-o", dir);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--test", testFile);
        inputs.put("--shots-from", shotsFile);
        OutputPaths.refuseInputs("-o", dir, inputs);

        // Every input is validated before the first generation, so a broken last adapter costs seconds, not the run.
        Tokenizer tokenizer = modelOptions.loadTokenizer();
        List<DialogueExample> examples = dataOptions.read(testFile, DataUse.EVALUATE, log);
        SummarizationPrompt template = generationOptions.template();
        RougeScorer scorer = Evaluations.scorer(!noStemmer);
        List<DialogueExample> shotPool = List.of();
        if (shots.stream().anyMatch(k -> k > 0)) {
            if (shotsFile == null) {
                throw new Lora4jException("cli", "--shots above 0 needs --shots-from FILE (solved examples, e.g. the training split)");
            }
            shotPool = dataOptions.read(shotsFile, DataUse.EVALUATE, log);
        }
        Map<Integer, InContextPrompts> prompts = new LinkedHashMap<>();
        for (int k : shots) {
            if (k > 0) {
                prompts.put(k, InContextPrompts.of(template, k, shotPool, tokenizer, generationOptions.maxSourceLength));
            }
        }
        validateInputs(adapters, finetuned);
        log.printf("evaluating on %d examples of %s%n", examples.size(), testFile);

        try (DirectoryLock lock = DirectoryLock.acquire(dir, "lora4j eval", "-o")) {
            StaleTemporaries.remove(dir); // half-written files of a killed earlier attempt
            EvalResume resume = new EvalResume(dir, commonSettings());
            List<MethodRun> runs = new ArrayList<>();
            T5ForConditionalGeneration base = null; // loaded once for all baselines, and only if one must be generated
            try {
                for (int k : shots) {
                    String name = k == 0 ? "original" : k + "-shot";
                    String description = k == 0 ? "the model as given, zero-shot" : k + " solved examples in the prompt";
                    String fingerprint = k == 0 ? description : description + " from " + fingerprint(shotsFile);
                    SummaryEvaluation e = resume.reuse(name, fingerprint, examples, scorer);
                    if (e == null) {
                        base = base != null ? base : modelOptions.loadModel();
                        Summarizer summarizer = new Summarizer(base, tokenizer, template, generationOptions.maxSourceLength, generation, batchSize);
                        e = Evaluations.run(name, summarizer, prompts.get(k), examples, scorer, log);
                        resume.save(e, fingerprint, examples);
                    } else {
                        log.println(Evaluations.line(e) + "  [reused predictions/" + name + ".jsonl]");
                    }
                    runs.add(new MethodRun(e, description, "-", "-"));
                }
            } finally {
                if (base != null) {
                    base.close();
                }
            }
            for (Map.Entry<String, Path> adapter : adapters.entrySet()) {
                String fingerprint = "adapter " + fingerprint(adapter.getValue());
                SummaryEvaluation e = resume.reuse(adapter.getKey(), fingerprint, examples, scorer);
                String params;
                String description;
                // A fresh base per adapter: bias=all and modules_to_save change base weights that unload() keeps.
                try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
                    PeftModel peft = PeftModel.load(model, adapter.getValue(), 0);
                    params = peft.parameterCounts().brief();
                    description = peft.describe() + " from " + adapter.getValue();
                    if (e == null) {
                        Summarizer summarizer = new Summarizer(model, tokenizer, template, generationOptions.maxSourceLength, generation, batchSize);
                        e = Evaluations.run(adapter.getKey(), summarizer, null, examples, scorer, log);
                        resume.save(e, fingerprint, examples);
                    } else {
                        log.println(Evaluations.line(e) + "  [reused predictions/" + adapter.getKey() + ".jsonl]");
                    }
                }
                runs.add(new MethodRun(e, description, params, "-"));
            }
            for (Map.Entry<String, Path> tuned : finetuned.entrySet()) {
                String description = "fine-tuned checkpoint " + tuned.getValue();
                String fingerprint = "fine-tuned checkpoint " + fingerprint(tuned.getValue());
                SummaryEvaluation e = resume.reuse(tuned.getKey(), fingerprint, examples, scorer);
                if (e == null) {
                    try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(tuned.getValue(), modelOptions.device(), modelOptions.dtype())) {
                        Summarizer summarizer = new Summarizer(model, tokenizer, template, generationOptions.maxSourceLength, generation, batchSize);
                        e = Evaluations.run(tuned.getKey(), summarizer, null, examples, scorer, log);
                    }
                    resume.save(e, fingerprint, examples);
                } else {
                    log.println(Evaluations.line(e) + "  [reused predictions/" + tuned.getKey() + ".jsonl]");
                }
                runs.add(new MethodRun(e, description, "-", "-"));
            }
            List<Path> plots = trainingCurves(dir, adapters, finetuned, log);
            Path html = Evaluations.writeComparison(dir, "lora4j evaluation", testFile.toString(), List.of(
                            Map.entry("model", modelOptions.model.toString()),
                            Map.entry("test data", testFile + " (" + examples.size() + " examples)"),
                            Map.entry("prompt", generationOptions.prompt),
                            Map.entry("generation", generationOptions.describe()),
                            Map.entry("ROUGE", noStemmer ? "rouge-score, no stemmer" : "rouge-score, Porter stemmer")),
                    runs, examples, reportSamples, plots, List.of());
            log.println("report: " + html);
        }
        return 0;
    }

    /**
     * Checks every adapter (config, weights present, finite, and fitting the model: each is loaded onto
     * one model and unloaded) and every fine-tuned checkpoint (config, weight files, finite) up front.
     */
    private void validateInputs(Map<String, Path> adapters, Map<String, Path> finetuned) {
        if (!adapters.isEmpty()) {
            try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
                for (Map.Entry<String, Path> adapter : adapters.entrySet()) {
                    try {
                        FiniteCheck.directory(adapter.getValue());
                        PeftModel.load(model, adapter.getValue(), 0).unload();
                    } catch (Lora4jException e) {
                        throw new Lora4jException("cli", "--adapter " + adapter.getKey() + "=" + adapter.getValue() + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        for (Map.Entry<String, Path> tuned : finetuned.entrySet()) {
            Path d = tuned.getValue();
            try {
                if (!Files.isDirectory(d)) {
                    throw new Lora4jException("cli", "not a checkpoint directory");
                }
                T5Config.load(d.resolve("config.json"));
                if (!Files.isRegularFile(d.resolve("model.safetensors")) && !Files.isRegularFile(d.resolve("model.safetensors.index.json"))) {
                    throw new Lora4jException("cli", "no model.safetensors or model.safetensors.index.json");
                }
                FiniteCheck.directory(d);
            } catch (Lora4jException e) {
                throw new Lora4jException("cli", "--finetuned " + tuned.getKey() + "=" + d + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A path with the size and modification time of what it holds (a file, or a directory's files), so a
     * retrained adapter or a changed file at the same path is never mistaken for the one evaluated before.
     */
    static String fingerprint(Path path) {
        StringBuilder b = new StringBuilder(path.toAbsolutePath().normalize().toString());
        try (var files = Files.isDirectory(path) ? Files.list(path) : java.util.stream.Stream.of(path)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                b.append(' ').append(f.getFileName()).append(':').append(Files.size(f)).append(':').append(Files.getLastModifiedTime(f).toMillis());
            }
        } catch (IOException e) {
            b.append(" (unreadable)");
        }
        return b.toString();
    }

    /** What decides every method's predictions; a rerun reuses a method's results only when these are equal. */
    private ObjectNode commonSettings() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", fingerprint(modelOptions.model));
        o.put("random_init", modelOptions.randomInit);
        o.put("init_seed", modelOptions.initSeed);
        o.put("dtype", modelOptions.dtype);
        o.put("tokenizer", modelOptions.tokenizer);
        o.put("tokenizer_compat", modelOptions.compat.name());
        o.put("test", fingerprint(testFile));
        o.put("format", dataOptions.format);
        o.put("limit", dataOptions.limit);
        o.put("on_invalid", dataOptions.onInvalid);
        o.put("fields", dataOptions.idField + "," + dataOptions.dialogueField + "," + dataOptions.summaryField);
        o.put("prompt", generationOptions.prompt);
        o.put("max_source_length", generationOptions.maxSourceLength);
        o.put("generation", generationOptions.describe());
        return o;
    }

    /** Loss curves of the finetune runs the evaluated adapters and checkpoints came from, on one chart. */
    private List<Path> trainingCurves(Path dir, Map<String, Path> adapters, Map<String, Path> finetuned, PrintStream log) {
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
