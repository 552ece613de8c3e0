package dev.lora4j.summarize;

import dev.lora4j.data.DialogueExample;
import dev.lora4j.eval.CorpusRouge;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.Lora4jException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One model's summaries of an evaluation set and their ROUGE against the human references (every
 * reference of an example counts: rouge-score's {@code score_multi} keeps the best).
 *
 * @param method      what produced the summaries ("original", "lora", "full", "one-shot", ...)
 * @param predictions in the order of the evaluated examples
 * @param seconds     wall time of generation
 */
public record SummaryEvaluation(String method, List<String> predictions, CorpusRouge rouge, double seconds) {

    public SummaryEvaluation {
        predictions = List.copyOf(predictions);
        if (predictions.size() != rouge.size()) {
            throw new Lora4jException("evaluate", predictions.size() + " predictions but " + rouge.size() + " scores");
        }
    }

    /** Generates with the prompt of {@code summarizer} and scores the result. */
    public static SummaryEvaluation run(String method, Summarizer summarizer, List<DialogueExample> examples,
                                        RougeScorer scorer, IntConsumer progress) {
        long start = System.nanoTime();
        List<String> predictions = summarizer.summarize(dialogues(examples), progress);
        return score(method, predictions, examples, scorer, (System.nanoTime() - start) / 1e9);
    }

    /** Generates from in-context (zero/one/few-shot) sources and scores the result. */
    public static SummaryEvaluation runInContext(String method, Summarizer summarizer, InContextPrompts prompts,
                                                 List<DialogueExample> examples, RougeScorer scorer, IntConsumer progress) {
        long start = System.nanoTime();
        List<String> predictions = summarizer.generate(prompts.sources(dialogues(examples)), progress);
        return score(method, predictions, examples, scorer, (System.nanoTime() - start) / 1e9);
    }

    /** Scores given predictions (e.g. read from a file) against the examples' references. */
    public static SummaryEvaluation score(String method, List<String> predictions, List<DialogueExample> examples,
                                          RougeScorer scorer, double seconds) {
        if (predictions.size() != examples.size()) {
            throw new Lora4jException("evaluate", predictions.size() + " predictions for " + examples.size() + " examples");
        }
        List<List<String>> references = new ArrayList<>(examples.size());
        for (DialogueExample e : examples) {
            references.add(e.summaries());
        }
        return new SummaryEvaluation(method, predictions, scorer.scoreCorpusMulti(references, predictions), seconds);
    }

    /** Mean F-measure in percent, as papers and the seed notebooks report ROUGE. */
    public double percent(RougeType type) {
        return rouge.fmeasurePercent(type);
    }

    private static List<String> dialogues(List<DialogueExample> examples) {
        List<String> out = new ArrayList<>(examples.size());
        for (DialogueExample e : examples) {
            out.add(e.dialogue());
        }
        return out;
    }
}
