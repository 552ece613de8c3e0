package dev.lora4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.examples.report.HtmlReport;
import dev.lora4j.examples.report.MethodResult;
import dev.lora4j.examples.report.ReportData;
import dev.lora4j.examples.report.SampleRow;
import dev.lora4j.examples.report.TaskProgress;
import dev.lora4j.summarize.InContextPrompts;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.summarize.SummaryEvaluation;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Runs evaluations with a progress bar and writes what a comparison produces: predictions, scores, report. */
final class Evaluations {
    static final List<RougeType> TYPES = List.of(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Evaluations() {}

    static RougeScorer scorer(boolean stemmer) {
        return RougeScorer.builder().types(TYPES).useStemmer(stemmer).build();
    }

    /** Summarizes the examples (with in-context shots when prompts is not null) and scores them. */
    static SummaryEvaluation run(String method, Summarizer summarizer, InContextPrompts prompts, List<DialogueExample> examples,
                                 RougeScorer scorer, PrintStream log) {
        try (TaskProgress progress = TaskProgress.count("eval " + method, examples.size())) {
            SummaryEvaluation result = prompts == null
                    ? SummaryEvaluation.run(method, summarizer, examples, scorer, progress::step)
                    : SummaryEvaluation.runInContext(method, summarizer, prompts, examples, scorer, progress::step);
            log.println(line(result));
            return result;
        }
    }

    static String line(SummaryEvaluation e) {
        return String.format(Locale.ROOT, "%-12s ROUGE-1 %5.2f  ROUGE-2 %5.2f  ROUGE-L %5.2f  ROUGE-Lsum %5.2f  (%d examples, %.1f s)",
                e.method(), e.percent(RougeType.ROUGE_1), e.percent(RougeType.ROUGE_2), e.percent(RougeType.ROUGE_L),
                e.percent(RougeType.ROUGE_LSUM), e.predictions().size(), e.seconds());
    }

    /**
     * Writes predictions/METHOD.jsonl, scores.json, report.json and report.html into dir.
     *
     * @param samples how many examples the side-by-side table shows
     */
    static Path writeComparison(Path dir, String title, String subtitle, List<Map.Entry<String, String>> settings,
                                List<MethodRun> runs, List<DialogueExample> examples, int samples, List<Path> plots,
                                List<String> notes) {
        for (MethodRun run : runs) {
            writePredictions(OutputPaths.inside(dir, "predictions/" + run.evaluation().method() + ".jsonl"), run.evaluation(), examples);
        }
        ObjectNode scores = JSON.createObjectNode();
        for (MethodRun run : runs) {
            ObjectNode m = scores.putObject(run.evaluation().method());
            for (RougeType type : TYPES) {
                m.put(type.toString(), run.evaluation().percent(type));
            }
            m.put("examples", run.evaluation().predictions().size());
            m.put("generation_seconds", run.evaluation().seconds());
        }
        OutputFiles.writeString(dir.resolve("scores.json"), scores.toPrettyString());

        List<MethodResult> methods = new ArrayList<>();
        for (MethodRun run : runs) {
            SummaryEvaluation e = run.evaluation();
            methods.add(new MethodResult(e.method(), run.description(), e.percent(RougeType.ROUGE_1),
                    e.percent(RougeType.ROUGE_2), e.percent(RougeType.ROUGE_L), e.percent(RougeType.ROUGE_LSUM),
                    run.trainable(), run.trainingTime(), e.predictions().size()));
        }
        List<SampleRow> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(samples, examples.size()); i++) {
            Map<String, String> byMethod = new LinkedHashMap<>();
            for (MethodRun run : runs) {
                byMethod.put(run.evaluation().method(), run.evaluation().predictions().get(i));
            }
            DialogueExample ex = examples.get(i);
            rows.add(new SampleRow(ex.id(), ex.dialogue(), String.join("\n", ex.summaries()), byMethod));
        }
        // Absolute: HtmlReport links each plot relative to the page it writes (a path made relative here
        // would be taken as relative to the working directory and linked wrongly).
        List<Path> absolutePlots = new ArrayList<>();
        for (Path p : plots) {
            absolutePlots.add(p.toAbsolutePath());
        }
        ReportData data = new ReportData(title, subtitle, settings, methods, rows, absolutePlots, notes);
        Path html = dir.resolve("report.html");
        try {
            HtmlReport.writeJson(data, dir.resolve("report.json"));
            HtmlReport.write(data, html);
        } catch (IOException e) {
            throw new Lora4jException("report", "cannot write the report in " + dir + ": " + IoMessages.describe(e), e);
        }
        return html;
    }

    static void writePredictions(Path file, SummaryEvaluation e, List<DialogueExample> examples) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < examples.size(); i++) {
            ObjectNode row = JSON.createObjectNode();
            row.put("id", examples.get(i).id());
            row.put("prediction", e.predictions().get(i));
            examples.get(i).summaries().forEach(row.withArray("references")::add);
            out.append(row).append('\n');
        }
        OutputFiles.writeString(file, out.toString());
    }

    static String formatSeconds(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : String.format(Locale.ROOT, "%.1f s", seconds);
    }

}
