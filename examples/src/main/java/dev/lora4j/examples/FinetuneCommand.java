package dev.lora4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DataUse;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.PreparedData;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.distributed.DistributedConfig;
import dev.lora4j.distributed.ProcessGroup;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.examples.report.TrainingCurves;
import dev.lora4j.examples.report.TrainingProgress;
import dev.lora4j.io.DirectoryLock;
import dev.lora4j.io.FiniteCheck;
import dev.lora4j.io.StaleTemporaries;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.summarize.SummaryEvaluation;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.Tokenizer;
import dev.lora4j.train.Checkpoint;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Fine-tunes a T5 model on dialogue summarization, with any registered method (PEFT's semantics) or
 * fully, into a run directory: run-config.json, metrics.jsonl (and rouge.jsonl), checkpoints/, final/
 * (the method's adapter directory or an HF checkpoint), plots/ and, when a validation file is given,
 * report.html comparing the original and the fine-tuned model. Running it again on the same directory
 * resumes from the last checkpoint. The methods' options are added by {@link MethodOptions}.
 *
 * <p>Under torchrun's variables (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT; {@code lora4j launch} sets
 * them) it is one rank of a data-parallel run: every rank trains its shard of each global batch; rank 0
 * alone locks and writes the run directory, reports progress and writes final/, plots and the report.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune with a parameter-efficient method or fully on dialogue summarization; resumable; "
                + "writes plots and a report.")
final class FinetuneCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--train", required = true, paramLabel = "FILE", description = "Training data (DialogSum JSONL, HF CSV, SAMSum JSON, ...).")
    Path trainFile;

    @Option(names = "--validation", paramLabel = "FILE", description = "Validation data: eval loss, ROUGE during training and the final report.")
    Path validationFile;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "lora",
            description = "full, or a parameter-efficient method (see `lora4j info --methods`) (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Run directory (default: runs/finetune-METHOD-TIME); an existing one resumes.")
    Path out;

    @Option(names = "--init-adapter", paramLabel = "DIR", description = "Start from this adapter directory instead of a fresh adapter.")
    Path initAdapter;

    @Option(names = "--max-target-length", paramLabel = "N", defaultValue = "128", description = "Target tokens (default: ${DEFAULT-VALUE}).")
    int maxTargetLength;

    @Option(names = "--rouge-every", paramLabel = "N", defaultValue = "0",
            description = "ROUGE of --rouge-samples validation examples every N steps into rouge.jsonl; 0 = off (default: ${DEFAULT-VALUE}).")
    int rougeEvery;

    @Option(names = "--rouge-samples", paramLabel = "N", defaultValue = "32", description = "Examples for ROUGE during training (default: ${DEFAULT-VALUE}).")
    int rougeSamples;

    @Option(names = "--eval-samples", paramLabel = "N", defaultValue = "100",
            description = "Validation examples for the final original-vs-tuned report; 0 = none (default: ${DEFAULT-VALUE}).")
    int evalSamples;

    @Option(names = "--eval-batch-size", paramLabel = "N", defaultValue = "16", description = "Generation batch size (default: ${DEFAULT-VALUE}).")
    int evalBatchSize;

    @Option(names = "--report-samples", paramLabel = "N", defaultValue = "10", description = "Side-by-side rows in the report (default: ${DEFAULT-VALUE}).")
    int reportSamples;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    GenerationOptions generationOptions;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    TrainOptions trainOptions;

    @Override
    public Integer call() throws IOException {
        PrintStream log = System.out;
        boolean full = method.equals(MethodOptions.FULL);
        if (full && initAdapter != null) {
            throw new Lora4jException("cli", "--init-adapter needs an adapter method, not --method full");
        }
        modelOptions.check(System.err);
        if (full && modelOptions.quantOptions.config() != null) {
            throw new Lora4jException("cli", "--quantize trains adapters over a frozen 4-bit base; --method full cannot update 4-bit weights");
        }
        // Every option is checked before any data is read or any file written.
        TrainerConfig config = trainOptions.config();
        MethodConfig methodConfig = null;
        if (initAdapter != null) {
            methodConfig = PeftModel.readConfig(initAdapter);
            MethodOptions.requireAgreement(spec, methodConfig, "--init-adapter " + initAdapter);
            method = methodConfig.method().name();
            FiniteCheck.directory(initAdapter); // a NaN adapter would otherwise look like a learning rate too high
        } else if (!full) {
            methodConfig = MethodOptions.config(spec, method);
        }
        generationOptions.config();
        OptionChecks.atLeast("--max-target-length", maxTargetLength, 1);
        OptionChecks.atLeast("--rouge-every", rougeEvery, 0);
        OptionChecks.atLeast("--rouge-samples", rougeSamples, 1);
        OptionChecks.atLeast("--eval-samples", evalSamples, 0);
        OptionChecks.atLeast("--eval-batch-size", evalBatchSize, 1);
        OptionChecks.atLeast("--report-samples", reportSamples, 0);
        if (validationFile == null && (rougeEvery > 0 || config.evalEvery() > 0)) {
            throw new Lora4jException("cli", (rougeEvery > 0 ? "--rouge-every" : "--eval-every") + " evaluates on validation data: "
                    + "it needs --validation FILE");
        }
        DistributedConfig dist = DistributedConfig.fromEnvironment();
        if (dist != null && dist.worldSize() > 1) {
            // Joined before anything else can fail, so a failing rank makes the others fail at once (their
            // peer is gone) rather than at the rendezvous timeout.
            try (ProcessGroup group = ProcessGroup.join(dist)) {
                log.printf("data parallel: rank %d of %d (rendezvous %s:%d, Gloo)%n", group.rank(), group.worldSize(),
                        dist.masterAddr(), dist.masterPort());
                return prepareAndTrain(full, config, methodConfig, group, log);
            }
        }
        return prepareAndTrain(full, config, methodConfig, null, log);
    }

    private int prepareAndTrain(boolean full, TrainerConfig config, MethodConfig methodConfig, ProcessGroup group,
                                PrintStream log) throws IOException {
        // Inputs are read before the run directory is touched: a bad file leaves nothing behind.
        Tokenizer tokenizer = modelOptions.loadTokenizer();
        List<DialogueExample> train = dataOptions.read(trainFile, DataUse.TRAIN, log);
        List<DialogueExample> validation = validationFile == null ? List.of() : dataOptions.read(validationFile, DataUse.EVALUATE, log);
        Path runDir = out != null ? out : Path.of("runs", "finetune-" + method + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        OutputPaths.requireDirectory("--out", runDir);
        OutputPaths.refuseInputs("--out", runDir, inputs());
        if (group != null && group.rank() != 0) {
            // Rank 0 holds the lock and writes; the others read the checkpoints it writes.
            return train(runDir, full, config, methodConfig, tokenizer, train, validation, group, log);
        }
        // One process per run directory: two would interleave metrics.jsonl and overwrite checkpoints.
        try (DirectoryLock lock = DirectoryLock.acquire(runDir, "lora4j finetune", "--out")) {
            writeRunConfig(runDir, config, methodConfig); // refuses a run with other settings before anything is changed
            int stale = Checkpoint.removeStaleTemporaries(runDir);
            int files = StaleTemporaries.remove(runDir);
            if (stale + files > 0) {
                log.println("removed " + stale + " unfinished checkpoint folder(s) and " + files
                        + " temporary file(s) left by an interrupted run");
            }
            return train(runDir, full, config, methodConfig, tokenizer, train, validation, group, log);
        }
    }

    private Map<String, Path> inputs() {
        Map<String, Path> in = new java.util.LinkedHashMap<>();
        in.put("--train", trainFile);
        in.put("--validation", validationFile);
        in.put("--model", modelOptions.model);
        in.put("--init-adapter", initAdapter);
        return in;
    }

    private int train(Path runDir, boolean full, TrainerConfig config, MethodConfig methodConfig, Tokenizer tokenizer,
                      List<DialogueExample> train, List<DialogueExample> validation, ProcessGroup group, PrintStream log)
            throws IOException {
        boolean writer = group == null || group.rank() == 0;
        SummarizationPrompt template = generationOptions.template();
        SummarizationEncoder encoder = new SummarizationEncoder(tokenizer, template, generationOptions.maxSourceLength, maxTargetLength);
        List<TokenizedExample> trainSet = encoder.encodeAll(train);
        List<TokenizedExample> evalSet = config.evalEvery() > 0 ? encoder.encodeAll(PreparedData.pairs(validation)) : List.of();
        log.printf("data: %d training pairs (%s), %d validation examples%n", train.size(), trainFile, validation.size());

        try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
            PeftModel adapters = null;
            TrainableModel trainable;
            if (!full) {
                adapters = initAdapter != null ? PeftModel.load(model, initAdapter, config.seed())
                        : MethodOptions.wrap(model, methodConfig, config.seed());
                trainable = TrainableModel.adapter(adapters, modelOptions.model.toString());
            } else {
                trainable = TrainableModel.full(model);
            }
            ParameterCounts counts = adapters != null ? adapters.parameterCounts()
                    : ParameterCounts.of(model.namedParameters().values());
            String trainableText = counts.brief();
            log.printf("model: %s, %s trainable of %.2f M parameters%n", modelOptions.model, trainableText, counts.total() / 1e6);

            Path latest = Checkpoint.latest(runDir);
            long startStep = latest == null ? 0 : Checkpoint.step(latest);
            if (latest != null) {
                log.println("resuming from " + latest);
            }
            GenerationConfig generation = generationOptions.config();
            Summarizer summarizer = new Summarizer(model, tokenizer, template, generationOptions.maxSourceLength, generation, evalBatchSize);
            RougeScorer scorer = Evaluations.scorer(true);
            long started = System.nanoTime();
            Trainer.Result result;
            try (TrainingProgress progress = writer ? new TrainingProgress(config.maxSteps(), startStep, "finetune " + method) : null;
                 RougeDuringTraining rouge = writer && rougeEvery > 0 && !validation.isEmpty()
                         ? new RougeDuringTraining(summarizer, validation.subList(0, Math.min(rougeSamples, validation.size())),
                         scorer, rougeEvery, runDir.resolve("rouge.jsonl"), startStep, log)
                         : null) {
                List<Trainer.Listener> listeners = new ArrayList<>();
                if (progress != null) {
                    listeners.add(progress);
                }
                if (rouge != null) {
                    listeners.add(rouge);
                }
                Trainer trainer = new Trainer(trainable, config, trainSet, evalSet, tokenizer.padTokenId(), runDir, new Listeners(listeners), group);
                result = trainer.run();
            }
            double trainSeconds = (System.nanoTime() - started) / 1e9;
            if (!writer) {
                log.printf("rank %d: trained %d steps in %s; rank 0 writes the results%n", group.rank(), result.steps(),
                        Evaluations.formatSeconds(trainSeconds));
                return 0;
            }
            Path finalDir = runDir.resolve("final");
            trainable.saveWeights(finalDir);
            if (full) {
                TokenizerCopy.into(modelOptions.tokenizerDirectory(), finalDir);
            }
            log.printf("trained %d steps in %s%s; peak RSS %s; final %s in %s%n", result.steps(), Evaluations.formatSeconds(trainSeconds),
                    result.stoppedEarly() ? " (stopped early)" : "", ProcessStats.describePeakRss(), full ? "model" : "adapter", finalDir);
            List<Path> plots = TrainingCurves.write(runDir);

            if (!validation.isEmpty() && evalSamples > 0) {
                List<DialogueExample> evalExamples = validation.subList(0, Math.min(evalSamples, validation.size()));
                SummaryEvaluation tuned = Evaluations.run(method, summarizer, null, evalExamples, scorer, log);
                SummaryEvaluation original;
                if (!full) {
                    adapters.setEnabled(false);
                    original = Evaluations.run("original", summarizer, null, evalExamples, scorer, log);
                    adapters.setEnabled(true);
                } else {
                    try (T5ForConditionalGeneration base = modelOptions.loadModel()) {
                        Summarizer baseSummarizer = new Summarizer(base, tokenizer, template, generationOptions.maxSourceLength, generation, evalBatchSize);
                        original = Evaluations.run("original", baseSummarizer, null, evalExamples, scorer, log);
                    }
                }
                List<MethodRun> runs = List.of(
                        new MethodRun(original, "the model before fine-tuning", "-", "-"),
                        new MethodRun(tuned, full ? "full fine-tuning" : adapters.describe(), trainableText,
                                Evaluations.formatSeconds(trainSeconds)));
                Path html = Evaluations.writeComparison(runDir, "lora4j fine-tuning report", modelOptions.model.toString(),
                        settings(config, train.size()), runs, evalExamples, reportSamples, plots, List.of());
                log.println("report: " + html);
            }
        }
        return 0;
    }

    private List<Map.Entry<String, String>> settings(TrainerConfig c, int trainExamples) {
        return List.of(
                Map.entry("model", modelOptions.model.toString()),
                Map.entry("method", method),
                Map.entry("training data", trainFile + " (" + trainExamples + " examples)"),
                Map.entry("steps x batch x accumulation", c.maxSteps() + " x " + c.batchSize() + " x " + c.gradAccumulation()),
                Map.entry("learning rate", c.learningRate() + " (" + c.schedule().name().toLowerCase(Locale.ROOT) + ", warmup " + c.warmupSteps() + ")"),
                Map.entry("prompt", generationOptions.prompt),
                Map.entry("generation", generationOptions.describe()),
                Map.entry("seed", Long.toString(c.seed())));
    }

    /**
     * Records the command's settings; a run directory that already holds a different run's settings is
     * refused rather than resumed with settings it was not started with.
     */
    private void writeRunConfig(Path runDir, TrainerConfig trainer, MethodConfig methodConfig) {
        ObjectNode config = JSON.createObjectNode();
        config.put("model", modelOptions.model.toString());
        config.put("random_init", modelOptions.randomInit);
        config.put("init_seed", modelOptions.initSeed);
        config.put("dtype", modelOptions.dtype);
        QuantOptions q = modelOptions.quantOptions;
        if (q.quantize != null) { // only then: runs from before QLoRA resume with unchanged settings
            config.put("quantize", q.quantize + (q.doubleQuant ? "+dq" : "") + " bs" + q.blocksize + " " + q.computeDType + " keep " + q.keepModules);
        }
        config.put("tokenizer", modelOptions.tokenizer);
        config.put("tokenizer_compat", modelOptions.compat.name().toLowerCase(Locale.ROOT));
        config.put("train", trainFile.toString());
        config.put("validation", validationFile == null ? null : validationFile.toString());
        config.put("method", method);
        config.put("init_adapter", initAdapter == null ? null : initAdapter.toString());
        config.put("prompt", generationOptions.prompt);
        config.put("max_source_length", generationOptions.maxSourceLength);
        config.put("max_target_length", maxTargetLength);
        ObjectNode data = config.putObject("data");
        data.put("format", dataOptions.format);
        data.put("limit", dataOptions.limit);
        data.put("on_invalid", dataOptions.onInvalid);
        data.put("dialogue_field", dataOptions.dialogueField);
        data.put("summary_field", dataOptions.summaryField);
        data.put("id_field", dataOptions.idField);
        config.set("method_config", methodConfig == null ? null : methodConfig.toJson());
        config.set("trainer", JSON.valueToTree(trainer));
        Path file = runDir.resolve("run-config.json");
        if (Files.exists(file) && Checkpoint.latest(runDir) != null) {
            JsonNode previous;
            try {
                previous = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new Lora4jException("cli", file + " cannot be read (" + ErrorReport.clean(e.getMessage()) + "): the run cannot be resumed; choose another --out");
            }
            List<String> differences = RunSettings.differences(previous, config);
            if (!differences.isEmpty()) {
                throw new Lora4jException("cli", runDir + " holds a run started with other settings: " + String.join("; ", differences)
                        + ". Resume it with the same options, or choose another --out");
            }
        }
        OutputFiles.writeString(file, config.toPrettyString());
    }
}
