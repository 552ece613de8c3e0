package dev.lora4j.examples;

import dev.lora4j.data.DialogueExample;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.summarize.SummaryEvaluation;
import dev.lora4j.train.MetricsLog;
import dev.lora4j.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates summaries of a few validation examples every N steps and logs their ROUGE to rouge.jsonl,
 * so the report can plot ROUGE over training (loss alone can fall while summaries do not improve).
 */
final class RougeDuringTraining implements Trainer.Listener, AutoCloseable {
    private final Summarizer summarizer;
    private final List<DialogueExample> examples;
    private final RougeScorer scorer;
    private final int every;
    private final MetricsLog log;
    private final PrintStream out;

    RougeDuringTraining(Summarizer summarizer, List<DialogueExample> examples, RougeScorer scorer, int every, Path file,
                        long resumedStep, PrintStream out) {
        this.summarizer = summarizer;
        this.examples = examples;
        this.scorer = scorer;
        this.every = every;
        this.log = new MetricsLog(file, resumedStep);
        this.out = out;
    }

    @Override
    public void onStep(Trainer.StepMetrics metrics) {
        if (metrics.step() % every != 0) {
            return;
        }
        SummaryEvaluation e = SummaryEvaluation.run("step " + metrics.step(), summarizer, examples, scorer, done -> {});
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", metrics.step());
        for (RougeType type : Evaluations.TYPES) {
            row.put(type.toString(), e.percent(type));
        }
        log.write(row);
        out.println(Evaluations.line(e));
    }

    @Override
    public void close() {
        log.close();
    }
}
