package dev.lora4j.examples.demo;

import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.Lora4jException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Every knob of the embedded demo: data, model size, pretraining, LoRA fine-tuning and evaluation.
 * {@link #defaults()} is the recipe measured in docs/DEMO.md; {@link #smoke()} a tiny one for tests.
 *
 * @param seed               seeds the data, the model's initialisation, the corruption and the training order
 * @param trainExamples      synthetic training dialogues (pretraining reads them too)
 * @param validationExamples held-out dialogues for the fine-tuning evaluation loss (0 for none)
 * @param testExamples       held-out dialogues that ROUGE is measured on
 * @param model              the tiny T5's size
 * @param promptTemplate     the prompt around each dialogue ({dialogue} marks its place)
 * @param maxSourceLength    source tokens (bytes) kept per example, prompt included
 * @param maxTargetLength    summary tokens (bytes) kept per example
 * @param corpus             which texts pretraining corrupts
 * @param noiseDensity       span corruption's share of noise tokens
 * @param meanSpanLength     span corruption's mean span length
 * @param pretrainSteps      optimizer steps of pretraining
 * @param pretrainBatchSize  corrupted texts per pretraining step
 * @param pretrainLearningRate peak learning rate of pretraining (linear warmup, then cosine decay)
 * @param pretrainWarmup     warmup steps of pretraining
 * @param loraSteps          optimizer steps of fine-tuning
 * @param loraBatchSize      examples per fine-tuning step
 * @param loraLearningRate   peak learning rate of fine-tuning (linear warmup, then cosine decay)
 * @param loraWarmup         warmup steps of fine-tuning
 * @param loraRank           LoRA rank r
 * @param loraAlpha          LoRA alpha (scale alpha / r)
 * @param loraTargets        module names that get adapters (PEFT suffix matching), or ["all-linear"]
 * @param maxNewTokens       greedy generation's length limit
 * @param noRepeatNgramSize  greedy generation never repeats an n-gram of this many bytes (0: off); a
 *                           small byte-level model otherwise tends to loop on a syllable
 * @param evalBatchSize      dialogues summarised at once
 * @param samples            test examples reported with their summaries before and after
 */
public record DemoRecipe(
        long seed,
        int trainExamples,
        int validationExamples,
        int testExamples,
        TinyT5 model,
        String promptTemplate,
        int maxSourceLength,
        int maxTargetLength,
        PretrainCorpus corpus,
        double noiseDensity,
        double meanSpanLength,
        int pretrainSteps,
        int pretrainBatchSize,
        double pretrainLearningRate,
        int pretrainWarmup,
        int loraSteps,
        int loraBatchSize,
        double loraLearningRate,
        int loraWarmup,
        int loraRank,
        double loraAlpha,
        List<String> loraTargets,
        int maxNewTokens,
        int noRepeatNgramSize,
        int evalBatchSize,
        int samples) {

    /** The texts that pretraining corrupts; never the held-out splits' summaries. */
    public enum PretrainCorpus {
        /** The training dialogues. */
        DIALOGUES,
        /** The training dialogues and, as separate texts, their summaries. */
        DIALOGUES_AND_SUMMARIES,
        /**
         * Each training dialogue followed by its summary, as one text: spans cut from the summary can often
         * be filled in from the dialogue, so pretraining already exercises reading facts off the source.
         */
        DIALOGUES_WITH_SUMMARIES
    }

    public DemoRecipe {
        new SummarizationPrompt(promptTemplate); // validates the {dialogue} slot
        loraTargets = List.copyOf(loraTargets);
        if (trainExamples < 1 || testExamples < 1 || validationExamples < 0) {
            throw invalid("need training and test examples");
        }
        if (maxSourceLength < 2 || maxTargetLength < 2 || maxNewTokens < 1) {
            throw invalid("lengths must be positive (at least 2 for source and target)");
        }
        if (pretrainSteps < 0 || pretrainBatchSize < 1 || loraSteps < 1 || loraBatchSize < 1 || evalBatchSize < 1) {
            throw invalid("steps and batch sizes must be positive (pretraining may have 0 steps)");
        }
        if (pretrainWarmup < 0 || pretrainWarmup > pretrainSteps || loraWarmup < 0 || loraWarmup > loraSteps) {
            throw invalid("warmup must be within the steps");
        }
        if (noRepeatNgramSize < 0) {
            throw invalid("noRepeatNgramSize must be 0 (off) or positive");
        }
        if (loraTargets.isEmpty() || samples < 0) {
            throw invalid("LoRA needs target modules; samples must be >= 0");
        }
    }

    /** The proven recipe: fits in about four minutes on two idle CPU cores (docs/DEMO.md). */
    public static DemoRecipe defaults() {
        return new DemoRecipe(42, 2000, 40, 100,
                new TinyT5(128, 256, 4, 2, 2, true),
                "summarize: {dialogue}", 384, 128,
                PretrainCorpus.DIALOGUES_WITH_SUMMARIES, 0.15, 3.0,
                150, 16, 3e-3, 10,
                300, 8, 3e-3, 10, 16, 32, List.of("all-linear"),
                110, 0, 50, 5);
    }

    /** A tiny run for tests: a few seconds, no quality expected. */
    public static DemoRecipe smoke() {
        return new DemoRecipe(7, 24, 4, 6,
                new TinyT5(32, 64, 2, 1, 1, true),
                "summarize: {dialogue}", 256, 96,
                PretrainCorpus.DIALOGUES_AND_SUMMARIES, 0.15, 3.0,
                3, 4, 3e-3, 1,
                3, 4, 3e-3, 1, 4, 8, List.of("q", "v"),
                8, 0, 4, 2);
    }

    public SummarizationPrompt prompt() {
        return new SummarizationPrompt(promptTemplate);
    }

    /**
     * A short hex digest of everything the pretrained base depends on (data, model size, pretraining
     * knobs), so a cache directory named after it holds a base this recipe would have trained.
     */
    public String baseFingerprint() {
        String key = String.join("|", "v1", Long.toString(seed), Integer.toString(trainExamples), model.toString(),
                Integer.toString(maxSourceLength), corpus.name(), Double.toString(noiseDensity),
                Double.toString(meanSpanLength), Integer.toString(pretrainSteps), Integer.toString(pretrainBatchSize),
                Double.toString(pretrainLearningRate), Integer.toString(pretrainWarmup));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public DemoRecipe withPretraining(int steps, int batchSize, double learningRate, int warmup) {
        return new DemoRecipe(seed, trainExamples, validationExamples, testExamples, model, promptTemplate,
                maxSourceLength, maxTargetLength, corpus, noiseDensity, meanSpanLength, steps, batchSize, learningRate,
                warmup, loraSteps, loraBatchSize, loraLearningRate, loraWarmup, loraRank, loraAlpha, loraTargets,
                maxNewTokens, noRepeatNgramSize, evalBatchSize, samples);
    }

    public DemoRecipe withFineTuning(int steps, int batchSize, double learningRate, int warmup) {
        return new DemoRecipe(seed, trainExamples, validationExamples, testExamples, model, promptTemplate,
                maxSourceLength, maxTargetLength, corpus, noiseDensity, meanSpanLength, pretrainSteps, pretrainBatchSize,
                pretrainLearningRate, pretrainWarmup, steps, batchSize, learningRate, warmup, loraRank, loraAlpha,
                loraTargets, maxNewTokens, noRepeatNgramSize, evalBatchSize, samples);
    }

    public DemoRecipe withLora(int rank, double alpha, List<String> targets) {
        return new DemoRecipe(seed, trainExamples, validationExamples, testExamples, model, promptTemplate,
                maxSourceLength, maxTargetLength, corpus, noiseDensity, meanSpanLength, pretrainSteps, pretrainBatchSize,
                pretrainLearningRate, pretrainWarmup, loraSteps, loraBatchSize, loraLearningRate, loraWarmup, rank, alpha,
                targets, maxNewTokens, noRepeatNgramSize, evalBatchSize, samples);
    }

    public DemoRecipe withModel(TinyT5 value) {
        return new DemoRecipe(seed, trainExamples, validationExamples, testExamples, value, promptTemplate,
                maxSourceLength, maxTargetLength, corpus, noiseDensity, meanSpanLength, pretrainSteps, pretrainBatchSize,
                pretrainLearningRate, pretrainWarmup, loraSteps, loraBatchSize, loraLearningRate, loraWarmup, loraRank,
                loraAlpha, loraTargets, maxNewTokens, noRepeatNgramSize, evalBatchSize, samples);
    }

    public DemoRecipe withData(long seedValue, int train, int validation, int test) {
        return new DemoRecipe(seedValue, train, validation, test, model, promptTemplate, maxSourceLength,
                maxTargetLength, corpus, noiseDensity, meanSpanLength, pretrainSteps, pretrainBatchSize,
                pretrainLearningRate, pretrainWarmup, loraSteps, loraBatchSize, loraLearningRate, loraWarmup, loraRank,
                loraAlpha, loraTargets, maxNewTokens, noRepeatNgramSize, evalBatchSize, samples);
    }

    public DemoRecipe withCorpus(PretrainCorpus value) {
        return new DemoRecipe(seed, trainExamples, validationExamples, testExamples, model, promptTemplate,
                maxSourceLength, maxTargetLength, value, noiseDensity, meanSpanLength, pretrainSteps, pretrainBatchSize,
                pretrainLearningRate, pretrainWarmup, loraSteps, loraBatchSize, loraLearningRate, loraWarmup, loraRank,
                loraAlpha, loraTargets, maxNewTokens, noRepeatNgramSize, evalBatchSize, samples);
    }

    public DemoRecipe withGeneration(int newTokens, int noRepeat, int batchSize) {
        return new DemoRecipe(seed, trainExamples, validationExamples, testExamples, model, promptTemplate,
                maxSourceLength, maxTargetLength, corpus, noiseDensity, meanSpanLength, pretrainSteps, pretrainBatchSize,
                pretrainLearningRate, pretrainWarmup, loraSteps, loraBatchSize, loraLearningRate, loraWarmup, loraRank,
                loraAlpha, loraTargets, newTokens, noRepeat, batchSize, samples);
    }

    private static Lora4jException invalid(String message) {
        return new Lora4jException("demo recipe", message);
    }
}
