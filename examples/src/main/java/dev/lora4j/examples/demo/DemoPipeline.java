package dev.lora4j.examples.demo;

import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.EncodeOptions;
import dev.lora4j.train.LrSchedule;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded end-to-end demo, nothing downloaded: synthetic dialogues; a tiny byte-level T5 built
 * from scratch and pretrained with span corruption on the training dialogues (and their summaries);
 * the pretrained model's ROUGE on held-out dialogues; LoRA fine-tuning on the training split; ROUGE
 * again with the adapter.
 *
 * <pre>{@code
 * DemoResult r = new DemoPipeline(DemoRecipe.defaults(), workDir, cacheDir, listener).run();
 * System.out.println(r.before() + " -> " + r.after());
 * }</pre>
 *
 * <p>workDir receives {@code pretrain/} and {@code finetune/} (the trainers' run directories with
 * metrics.jsonl), {@code base/} (the pretrained model, unless it came from the cache) and
 * {@code adapter/} (the trained PEFT adapter).
 */
public final class DemoPipeline {
    private static final int LOG_EVERY = 5;

    private final DemoRecipe recipe;
    private final Path workDir;
    private final Path baseCache;
    private final DemoListener listener;
    private final ByT5Tokenizer tokenizer = ByT5Tokenizer.create();
    private final List<StageTiming> timings = new ArrayList<>();

    /**
     * @param workDir   where run directories, the base and the adapter are written
     * @param baseCache a directory holding (or to receive) the pretrained base for this recipe, e.g.
     *                  {@code ~/.cache/lora4j/demo-base-<recipe.baseFingerprint()>}; null to always pretrain
     * @param listener  progress callbacks, or null
     */
    public DemoPipeline(DemoRecipe recipe, Path workDir, Path baseCache, DemoListener listener) {
        this.recipe = recipe;
        this.workDir = workDir;
        this.baseCache = baseCache;
        this.listener = listener == null ? DemoListener.NONE : listener;
    }

    public DemoResult run() {
        long wall0 = System.nanoTime();
        double cpu0 = processCpuSeconds();
        createDirectories(workDir);

        Stopwatch data = start(DemoStage.DATA, recipe.trainExamples() + recipe.validationExamples() + recipe.testExamples());
        DemoData splits = DemoData.generate(recipe.seed(), recipe.trainExamples(), recipe.validationExamples(),
                recipe.testExamples());
        SummarizationEncoder encoder = new SummarizationEncoder(tokenizer, recipe.prompt(), recipe.maxSourceLength(),
                recipe.maxTargetLength());
        List<TokenizedExample> train = encoder.encodeAll(splits.train());
        List<TokenizedExample> validation = encoder.encodeAll(splits.validation());
        List<TokenizedExample> corrupted = recipe.pretrainSteps() == 0 ? List.of() : pretrainingExamples(splits.train());
        finish(data, splits.train().size() + splits.validation().size() + splits.test().size(), 0);

        boolean cached = baseCache != null && Files.isRegularFile(baseCache.resolve("model.safetensors"))
                && Files.isRegularFile(baseCache.resolve("config.json"));
        Path pretrainRun = cached ? null : workDir.resolve("pretrain");
        Path baseDir = cached ? baseCache : workDir.resolve("base");
        List<Double> pretrainLosses = List.of();
        try (T5ForConditionalGeneration model = cached
                ? T5ForConditionalGeneration.load(baseCache, Device.CPU, DType.FLOAT32)
                : T5ForConditionalGeneration.fromConfig(recipe.model().config(), recipe.seed(), Device.CPU, DType.FLOAT32)) {
            if (!cached) {
                LocalityBias.apply(model);
                pretrainLosses = pretrain(model, corrupted, pretrainRun);
                model.save(baseDir);
                if (baseCache != null) {
                    storeInCache(baseDir);
                }
            }
            List<String> dialogues = splits.test().stream().map(DialogueExample::dialogue).toList();
            List<String> before = summarize(DemoStage.EVAL_BEFORE, model, encoder, dialogues);

            LoraConfig loraConfig = LoraConfig.defaults().withR(recipe.loraRank()).withAlpha(recipe.loraAlpha())
                    .withTargets(targets(recipe.loraTargets()));
            PeftModel lora = PeftModel.wrap(model, loraConfig, recipe.seed());
            ParameterCounts counts = lora.parameterCounts();
            Path fineTuneRun = workDir.resolve("finetune");
            List<Double> fineTuneLosses = fineTune(lora, baseDir, train, validation, fineTuneRun);
            Path adapterDir = workDir.resolve("adapter");
            lora.save(adapterDir, baseDir.toAbsolutePath().toString());
            List<String> after = summarize(DemoStage.EVAL_AFTER, model, encoder, dialogues);

            RougeScorer scorer = RougeScorer.builder()
                    .types(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM)
                    .useStemmer(true).build();
            List<String> references = splits.test().stream().map(DialogueExample::summary).toList();
            DemoRouge rougeBefore = DemoRouge.of(scorer.scoreCorpus(references, before));
            DemoRouge rougeAfter = DemoRouge.of(scorer.scoreCorpus(references, after));
            List<DemoSample> samples = new ArrayList<>();
            for (int i = 0; i < Math.min(recipe.samples(), splits.test().size()); i++) {
                DialogueExample e = splits.test().get(i);
                samples.add(new DemoSample(e.id(), e.dialogue(), e.summary(), before.get(i), after.get(i)));
            }
            return new DemoResult(recipe, timings, (System.nanoTime() - wall0) / 1e9, processCpuSeconds() - cpu0,
                    cached, pretrainLosses, fineTuneLosses, counts.trainable(), counts.total(), rougeBefore, rougeAfter, samples,
                    baseDir, pretrainRun, fineTuneRun, adapterDir);
        }
    }

    /**
     * Span-corrupted training texts, one per example of every pretraining step: the corpus is cycled,
     * each pass corrupting every text afresh (its seed depends on the pass), so no step repeats a mask.
     */
    private List<TokenizedExample> pretrainingExamples(List<DialogueExample> trainSet) {
        List<String> texts = new ArrayList<>();
        for (DialogueExample e : trainSet) {
            texts.add(recipe.corpus() == DemoRecipe.PretrainCorpus.DIALOGUES_WITH_SUMMARIES
                    ? e.dialogue() + "\n" + e.summary()
                    : e.dialogue());
        }
        if (recipe.corpus() == DemoRecipe.PretrainCorpus.DIALOGUES_AND_SUMMARIES) {
            for (DialogueExample e : trainSet) {
                texts.add(e.summary());
            }
        }
        SpanCorruption corruption = new SpanCorruption(recipe.noiseDensity(), recipe.meanSpanLength(),
                tokenizer.vocabSize() - 1, ByT5Tokenizer.DEFAULT_EXTRA_IDS, tokenizer.eosTokenId());
        EncodeOptions plain = EncodeOptions.builder().addSpecialTokens(false).truncateTo(recipe.maxSourceLength()).build();
        List<int[]> contents = texts.stream().map(t -> tokenizer.encode(t, plain)).toList();
        int needed = recipe.pretrainSteps() * recipe.pretrainBatchSize();
        List<TokenizedExample> out = new ArrayList<>(needed);
        for (int i = 0; i < needed; i++) {
            int text = i % contents.size();
            int pass = i / contents.size();
            long seed = recipe.seed() * 1_000_003L + (long) pass * contents.size() + text;
            out.add(corruption.corrupt("pretrain_" + i, contents.get(text), seed));
        }
        return out;
    }

    private List<Double> pretrain(T5ForConditionalGeneration model, List<TokenizedExample> examples, Path runDir) {
        if (recipe.pretrainSteps() == 0) {
            return List.of();
        }
        TrainerConfig config = TrainerConfig.defaults().withLearningRate(recipe.pretrainLearningRate())
                .withSchedule(LrSchedule.COSINE).withSteps(recipe.pretrainSteps(), recipe.pretrainWarmup())
                .withBatching(recipe.pretrainBatchSize(), 1, true).withOptimizer(0.9, 0.999, 1e-8, 0.01, 1.0)
                .withLogEvery(LOG_EVERY).withSeed(recipe.seed());
        // One epoch uses every example once; the trainer's shuffling groups texts of similar length into batches.
        return train(DemoStage.PRETRAIN, TrainableModel.full(model), config, examples, List.of(), runDir);
    }

    private List<Double> fineTune(PeftModel lora, Path baseDir, List<TokenizedExample> train,
                                  List<TokenizedExample> validation, Path runDir) {
        int evalEvery = validation.isEmpty() ? 0 : Math.max(1, recipe.loraSteps() / 5);
        TrainerConfig config = TrainerConfig.defaults().withLearningRate(recipe.loraLearningRate())
                .withSchedule(LrSchedule.COSINE).withSteps(recipe.loraSteps(), recipe.loraWarmup())
                .withBatching(recipe.loraBatchSize(), 1, true).withOptimizer(0.9, 0.999, 1e-8, 0.01, 1.0)
                .withEvaluation(evalEvery, 0).withLogEvery(LOG_EVERY).withSeed(recipe.seed());
        return train(DemoStage.FINETUNE, TrainableModel.adapter(lora, baseDir.toAbsolutePath().toString()), config, train,
                validation, runDir);
    }

    private List<Double> train(DemoStage stage, TrainableModel model, TrainerConfig config, List<TokenizedExample> train,
                               List<TokenizedExample> eval, Path runDir) {
        Stopwatch watch = start(stage, config.maxSteps());
        long[] tokens = {0};
        Trainer.Listener progress = new Trainer.Listener() {
            @Override
            public void onStep(Trainer.StepMetrics metrics) {
                tokens[0] += metrics.tokens();
                listener.trainingStep(stage, metrics);
            }
        };
        Trainer.Result result = new Trainer(model, config, train, eval, tokenizer.padTokenId(), runDir, progress).run();
        finish(watch, result.steps(), tokens[0]);
        return result.losses();
    }

    private List<String> summarize(DemoStage stage, T5ForConditionalGeneration model, SummarizationEncoder encoder,
                                   List<String> dialogues) {
        Stopwatch watch = start(stage, dialogues.size());
        GreedySummaries generator = new GreedySummaries();
        GenerationConfig generation = GenerationConfig.greedy(recipe.maxNewTokens())
                .withNoRepeatNgramSize(recipe.noRepeatNgramSize());
        List<String> out = generator.summarize(model, encoder, dialogues, generation, recipe.evalBatchSize(),
                done -> listener.evaluated(stage, done, dialogues.size()));
        finish(watch, dialogues.size(), generator.generatedTokens());
        return out;
    }

    private static LoraConfig.TargetModules targets(List<String> names) {
        if (names.size() == 1 && names.getFirst().equals("all-linear")) {
            return LoraConfig.TargetModules.allLinear();
        }
        return LoraConfig.TargetModules.names(names.toArray(String[]::new));
    }

    /** Copies the base into the cache through a temporary sibling and one rename, so readers never see half of it. */
    private void storeInCache(Path baseDir) {
        Path tmp = baseCache.resolveSibling(baseCache.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(tmp);
            for (String file : List.of("config.json", "model.safetensors")) {
                Files.copy(baseDir.resolve(file), tmp.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(tmp, baseCache, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // Another run filled the cache first (or the rename is impossible): ours is not needed.
                deleteQuietly(tmp);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Lora4jException("demo", "cannot store the pretrained base in " + baseCache + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new Lora4jException("demo", "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private record Stopwatch(DemoStage stage, long wall0, double cpu0) {}

    private Stopwatch start(DemoStage stage, int work) {
        listener.stageStarted(stage, work);
        return new Stopwatch(stage, System.nanoTime(), processCpuSeconds());
    }

    private void finish(Stopwatch watch, long work, long tokens) {
        StageTiming timing = new StageTiming(watch.stage(), (System.nanoTime() - watch.wall0()) / 1e9,
                processCpuSeconds() - watch.cpu0(), work, tokens);
        timings.add(timing);
        listener.stageFinished(watch.stage(), timing);
    }

    /** CPU time of the whole process (every thread), or 0 where the JVM cannot tell. */
    private static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long nanos = os.getProcessCpuTime();
            return nanos < 0 ? 0 : nanos / 1e9;
        }
        return 0;
    }
}
