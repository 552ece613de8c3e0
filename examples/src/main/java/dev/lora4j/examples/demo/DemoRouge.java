package dev.lora4j.examples.demo;

import dev.lora4j.eval.CorpusRouge;
import dev.lora4j.eval.RougeType;

/** Mean ROUGE F-measures over the test split, in percent (0 to 100), as rouge-score with stemming. */
public record DemoRouge(double rouge1, double rouge2, double rougeL, double rougeLsum) {

    static DemoRouge of(CorpusRouge corpus) {
        return new DemoRouge(corpus.fmeasurePercent(RougeType.ROUGE_1), corpus.fmeasurePercent(RougeType.ROUGE_2),
                corpus.fmeasurePercent(RougeType.ROUGE_L), corpus.fmeasurePercent(RougeType.ROUGE_LSUM));
    }

    @Override
    public String toString() {
        return "R1 %.1f  R2 %.1f  RL %.1f  RLsum %.1f".formatted(rouge1, rouge2, rougeL, rougeLsum);
    }
}
