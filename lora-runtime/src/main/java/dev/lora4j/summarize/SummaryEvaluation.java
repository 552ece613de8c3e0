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
 * @param rouge       the per-example ROUGE scores and their means, one per prediction
 * @param seconds     wall time of generation
 */
public record SummaryEvaluation(String method, List<String> predictions, CorpusRouge rouge, double seconds) {

    /**
     * Copies the predictions.
     *
     * @throws dev.lora4j.Lora4jException when the number of predictions differs from the number of scores
     */
    public SummaryEvaluation {
        predictions = List.copyOf(predictions);
        if (predictions.size() != rouge.size()) {
            throw new Lora4jException("evaluate", predictions.size() + " predictions but " + rouge.size() + " scores");
        }
    }

    /**
     * Generates with the prompt of {@code summarizer} and scores the result.
     *
     * @param method     what produced the summaries, recorded as {@link #method()}
     * @param summarizer the model, tokenizer and prompt to generate with
     * @param examples   the evaluation examples; their dialogues are summarized and their summaries are the
     *     references
     * @param scorer     the ROUGE scorer
     * @param progress   called after each generated batch with the number of examples it finished
     * @return the predictions, their scores and the generation time
     */
    public static SummaryEvaluation run(String method, Summarizer summarizer, List<DialogueExample> examples,
                                        RougeScorer scorer, IntConsumer progress) {
        long start = System.nanoTime();
        List<String> predictions = summarizer.summarize(dialogues(examples), progress);
        return score(method, predictions, examples, scorer, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Generates from in-context (zero/one/few-shot) sources and scores the result.
     *
     * @param method     what produced the summaries, recorded as {@link #method()}
     * @param summarizer the model and tokenizer to generate with (its own prompt is not used)
     * @param prompts    builds each source text from a dialogue and the in-context examples
     * @param examples   the evaluation examples; their dialogues are summarized and their summaries are the
     *     references
     * @param scorer     the ROUGE scorer
     * @param progress   called after each generated batch with the number of examples it finished
     * @return the predictions, their scores and the generation time
     */
    public static SummaryEvaluation runInContext(String method, Summarizer summarizer, InContextPrompts prompts,
                                                 List<DialogueExample> examples, RougeScorer scorer, IntConsumer progress) {
        long start = System.nanoTime();
        List<String> predictions = summarizer.generate(prompts.sources(dialogues(examples)), progress);
        return score(method, predictions, examples, scorer, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Scores given predictions (e.g. read from a file) against the examples' references.
     *
     * @param method      what produced the summaries, recorded as {@link #method()}
     * @param predictions one summary per example, in the examples' order
     * @param examples    the evaluation examples, whose summaries are the references
     * @param scorer      the ROUGE scorer
     * @param seconds     the wall time the predictions took to generate, recorded as is
     * @return the predictions and their scores
     * @throws dev.lora4j.Lora4jException when there are not as many predictions as examples
     */
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

    /**
     * Mean F-measure in percent, as papers and the seed notebooks report ROUGE.
     *
     * @param type the ROUGE variant
     * @return the mean F-measure over the examples, in [0, 100]
     */
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
