package dev.lora4j.examples.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a run directory logged: the trainer's metrics.jsonl (training rows and eval rows) and, when the CLI
 * evaluated ROUGE during training, rouge.jsonl. Each list is sorted by step.
 *
 * @param train training rows ({@code "loss"} present)
 * @param eval  eval rows ({@code "eval_loss"} present)
 * @param rouge rows of rouge.jsonl; empty when that file does not exist
 */
public record RunMetrics(List<TrainPoint> train, List<EvalPoint> eval, List<RougePoint> rouge) {
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String ROUGE_FILE = "rouge.jsonl";

    /** A training row; {@code lr} is NaN when the row has none. */
    public record TrainPoint(long step, double loss, double lr) {}

    public record EvalPoint(long step, double evalLoss) {}

    /** ROUGE F-measures in percent; a type the row lacks is NaN. */
    public record RougePoint(long step, double rouge1, double rouge2, double rougeL, double rougeLsum) {}

    public RunMetrics {
        train = List.copyOf(train);
        eval = List.copyOf(eval);
        rouge = List.copyOf(rouge);
    }

    /**
     * Reads {@code runDir/metrics.jsonl} and, if present, {@code runDir/rouge.jsonl}. Rows with neither
     * {@code loss} nor {@code eval_loss} are skipped (room for later row kinds); a row whose fields have
     * the wrong type is a {@link MalformedLineException}.
     *
     * @throws NoSuchFileException if there is no metrics.jsonl
     */
    public static RunMetrics read(Path runDir) throws IOException {
        Path metricsFile = runDir.resolve(METRICS_FILE);
        if (!Files.exists(metricsFile)) {
            throw new NoSuchFileException(metricsFile.toString(), null,
                    "no " + METRICS_FILE + ": not a run directory, or training has not logged a step yet");
        }
        List<TrainPoint> train = new ArrayList<>();
        List<EvalPoint> eval = new ArrayList<>();
        for (JsonLines.Row row : JsonLines.read(metricsFile)) {
            if (row.has("loss")) {
                train.add(new TrainPoint(row.step(), row.number("loss"), row.optionalNumber("lr")));
            }
            if (row.has("eval_loss")) {
                eval.add(new EvalPoint(row.step(), row.number("eval_loss")));
            }
        }
        List<RougePoint> rouge = new ArrayList<>();
        Path rougeFile = runDir.resolve(ROUGE_FILE);
        if (Files.exists(rougeFile)) {
            for (JsonLines.Row row : JsonLines.read(rougeFile)) {
                rouge.add(new RougePoint(row.step(), row.optionalNumber("rouge1"), row.optionalNumber("rouge2"),
                        row.optionalNumber("rougeL"), row.optionalNumber("rougeLsum")));
            }
        }
        // Stable sorts: a file's own order decides between rows of the same step.
        train.sort(Comparator.comparingLong(TrainPoint::step));
        eval.sort(Comparator.comparingLong(EvalPoint::step));
        rouge.sort(Comparator.comparingLong(RougePoint::step));
        return new RunMetrics(train, eval, rouge);
    }

    public boolean isEmpty() {
        return train.isEmpty() && eval.isEmpty() && rouge.isEmpty();
    }
}
