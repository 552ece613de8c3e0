package dev.lora4j.examples.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Writes a run report as one self-contained HTML file (inline CSS, no scripts, nothing fetched from the
 * network; plot images are linked relative to the page so the folder can be moved or zipped whole), and
 * the same numbers as JSON for machines.
 */
public final class HtmlReport {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** The ROUGE columns of the methods table, in order; the best value of each is highlighted. */
    private static final List<ScoreColumn> SCORE_COLUMNS = List.of(
            new ScoreColumn("ROUGE-1", "rouge1", MethodResult::rouge1),
            new ScoreColumn("ROUGE-2", "rouge2", MethodResult::rouge2),
            new ScoreColumn("ROUGE-L", "rougeL", MethodResult::rougeL),
            new ScoreColumn("ROUGE-Lsum", "rougeLsum", MethodResult::rougeLsum));

    private record ScoreColumn(String title, String jsonName, ToDoubleFunction<MethodResult> value) {}

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
                   max-width: 1400px; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
            h1 { margin-bottom: .2rem; }
            .subtitle { color: #59636e; margin-top: 0; }
            h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3rem; margin-top: 2rem; }
            table { border-collapse: collapse; margin: .5rem 0; }
            th, td { border: 1px solid #d1d9e0; padding: .35rem .6rem; vertical-align: top; text-align: left; }
            th { background: #f6f8fa; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            td.best { font-weight: bold; background: #dafbe1; }
            table.settings th { font-weight: normal; color: #59636e; }
            table.samples td { white-space: pre-wrap; min-width: 12rem; max-width: 32rem; }
            table.samples td.id { min-width: 0; white-space: nowrap; color: #59636e; }
            figure { display: inline-block; width: min(100%, 680px); margin: .5rem 1rem .5rem 0; vertical-align: top; }
            figure img { width: 100%; height: auto; border: 1px solid #d1d9e0; }
            figcaption { color: #59636e; font-size: .9rem; }
            .hint { color: #59636e; font-size: .9rem; }
            """;

    private HtmlReport() {}

    /**
     * Writes the report to {@code htmlFile} atomically, creating its directory if needed. Every string of
     * {@code data} is HTML-escaped; plots are referenced by paths relative to {@code htmlFile}'s directory
     * (relative plot paths in {@code data} are taken from the working directory).
     */
    public static void write(ReportData data, Path htmlFile) throws IOException {
        Path dir = htmlFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        AtomicFiles.write(htmlFile, render(data, dir).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes the same content as JSON (atomically): settings as name/value objects, ROUGE scores as numbers
     * (null where not measured), plot paths relative to {@code jsonFile}'s directory.
     */
    public static void writeJson(ReportData data, Path jsonFile) throws IOException {
        Path dir = jsonFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        AtomicFiles.write(jsonFile, JSON.writeValueAsBytes(toJson(data, dir)));
    }

    /** The whole page, with links relative to {@code pageDir}. */
    static String render(ReportData data, Path pageDir) {
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.escape(data.title())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(Html.escape(data.title())).append("</h1>\n");
        if (data.subtitle() != null && !data.subtitle().isBlank()) {
            html.append("<p class=\"subtitle\">").append(Html.escape(data.subtitle())).append("</p>\n");
        }
        appendSettings(html, data.settings());
        appendMethods(html, data.methods());
        appendPlots(html, data.plots(), pageDir);
        appendSamples(html, data.samples(), data.methods());
        appendNotes(html, data.notes());
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    private static void appendSettings(StringBuilder html, List<Map.Entry<String, String>> settings) {
        if (settings.isEmpty()) {
            return;
        }
        html.append("<h2>Settings</h2>\n<table class=\"settings\">\n");
        for (Map.Entry<String, String> setting : settings) {
            html.append("<tr><th>").append(Html.escape(setting.getKey())).append("</th><td>")
                    .append(Html.escape(setting.getValue())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void appendMethods(StringBuilder html, List<MethodResult> methods) {
        if (methods.isEmpty()) {
            return;
        }
        html.append("<h2>Results</h2>\n<table class=\"methods\">\n<thead><tr><th>Method</th><th>Description</th>");
        for (ScoreColumn column : SCORE_COLUMNS) {
            html.append("<th>").append(column.title()).append("</th>");
        }
        html.append("<th>Trainable parameters</th><th>Training time</th><th>Evaluated</th></tr></thead>\n<tbody>\n");
        double[] best = new double[SCORE_COLUMNS.size()];
        for (int c = 0; c < best.length; c++) {
            best[c] = bestOf(methods, SCORE_COLUMNS.get(c).value());
        }
        for (MethodResult method : methods) {
            html.append("<tr><td class=\"name\">").append(Html.escape(method.name())).append("</td><td>")
                    .append(Html.escape(method.description())).append("</td>");
            for (int c = 0; c < best.length; c++) {
                double value = SCORE_COLUMNS.get(c).value().applyAsDouble(method);
                appendScoreCell(html, value, value == best[c]);
            }
            html.append("<td>").append(Html.escape(method.trainableParameters())).append("</td><td>")
                    .append(Html.escape(method.trainingTime())).append("</td><td class=\"num\" data-value=\"")
                    .append(method.evaluated()).append("\">").append(method.evaluated()).append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n<p class=\"hint\">ROUGE F-measures in percent; the best value of each column is highlighted.</p>\n");
    }

    /** The cell shows two decimals; data-value keeps the exact number for anyone reading the page by program. */
    private static void appendScoreCell(StringBuilder html, double value, boolean best) {
        if (!Double.isFinite(value)) {
            html.append("<td class=\"num\">-</td>");
            return;
        }
        html.append("<td class=\"num").append(best ? " best" : "").append("\" data-value=\"").append(value)
                .append("\">").append(String.format(Locale.ROOT, "%.2f", value)).append("</td>");
    }

    /** The largest finite value of the column, or NaN when none is finite (then nothing is highlighted). */
    private static double bestOf(List<MethodResult> methods, ToDoubleFunction<MethodResult> column) {
        double best = Double.NaN;
        for (MethodResult method : methods) {
            double value = column.applyAsDouble(method);
            if (Double.isFinite(value) && !(value <= best)) {
                best = value;
            }
        }
        return best;
    }

    private static void appendPlots(StringBuilder html, List<Path> plots, Path pageDir) {
        if (plots.isEmpty()) {
            return;
        }
        html.append("<h2>Training curves</h2>\n<div class=\"plots\">\n");
        for (Path plot : plots) {
            String name = plot.getFileName() == null ? plot.toString() : plot.getFileName().toString();
            html.append("<figure><img src=\"").append(Html.escape(Html.relativeUrl(pageDir, plot)))
                    .append("\" alt=\"").append(Html.escape(name)).append("\"><figcaption>")
                    .append(Html.escape(name)).append("</figcaption></figure>\n");
        }
        html.append("</div>\n");
    }

    private static void appendSamples(StringBuilder html, List<SampleRow> samples, List<MethodResult> methods) {
        if (samples.isEmpty()) {
            return;
        }
        List<String> columns = sampleColumns(samples, methods);
        html.append("<h2>Samples</h2>\n<table class=\"samples\">\n<thead><tr><th>Id</th><th>Dialogue</th>")
                .append("<th>Human summary</th>");
        for (String column : columns) {
            html.append("<th>").append(Html.escape(column)).append("</th>");
        }
        html.append("</tr></thead>\n<tbody>\n");
        for (SampleRow sample : samples) {
            html.append("<tr><td class=\"id\">").append(Html.escape(sample.id())).append("</td><td>")
                    .append(Html.escape(sample.dialogue())).append("</td><td>")
                    .append(Html.escape(sample.reference())).append("</td>");
            for (String column : columns) {
                String prediction = sample.predictionByMethod().get(column);
                html.append("<td>").append(prediction == null ? "-" : Html.escape(prediction)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    /**
     * One column per method: first those of the methods table that have predictions, in its order, then any
     * other method named by a sample, in the order first met.
     */
    static List<String> sampleColumns(List<SampleRow> samples, List<MethodResult> methods) {
        Set<String> named = new LinkedHashSet<>();
        for (SampleRow sample : samples) {
            named.addAll(sample.predictionByMethod().keySet());
        }
        List<String> columns = new ArrayList<>();
        for (MethodResult method : methods) {
            if (named.remove(method.name())) {
                columns.add(method.name());
            }
        }
        columns.addAll(named);
        return columns;
    }

    private static void appendNotes(StringBuilder html, List<String> notes) {
        if (notes.isEmpty()) {
            return;
        }
        html.append("<h2>Notes</h2>\n<ul>\n");
        for (String note : notes) {
            html.append("<li>").append(Html.escape(note)).append("</li>\n");
        }
        html.append("</ul>\n");
    }

    static ObjectNode toJson(ReportData data, Path baseDir) {
        ObjectNode root = JSON.createObjectNode();
        root.put("title", data.title());
        root.put("subtitle", data.subtitle());
        ArrayNode settings = root.putArray("settings");
        for (Map.Entry<String, String> setting : data.settings()) {
            settings.addObject().put("name", setting.getKey()).put("value", setting.getValue());
        }
        ArrayNode methods = root.putArray("methods");
        for (MethodResult method : data.methods()) {
            ObjectNode row = methods.addObject().put("name", method.name()).put("description", method.description());
            for (ScoreColumn column : SCORE_COLUMNS) {
                double value = column.value().applyAsDouble(method);
                if (Double.isFinite(value)) {
                    row.put(column.jsonName(), value);
                } else {
                    row.putNull(column.jsonName()); // JSON has no NaN
                }
            }
            row.put("trainable_parameters", method.trainableParameters())
                    .put("training_time", method.trainingTime())
                    .put("evaluated", method.evaluated());
        }
        ArrayNode samples = root.putArray("samples");
        for (SampleRow sample : data.samples()) {
            ObjectNode row = samples.addObject().put("id", sample.id()).put("dialogue", sample.dialogue())
                    .put("reference", sample.reference());
            ObjectNode predictions = row.putObject("predictions");
            sample.predictionByMethod().forEach(predictions::put);
        }
        ArrayNode plots = root.putArray("plots");
        for (Path plot : data.plots()) {
            Path absolute = plot.toAbsolutePath().normalize();
            Path base = baseDir.toAbsolutePath().normalize();
            plots.add(absolute.getRoot().equals(base.getRoot())
                    ? base.relativize(absolute).toString().replace('\\', '/')
                    : absolute.toString());
        }
        ArrayNode notes = root.putArray("notes");
        data.notes().forEach(notes::add);
        return root;
    }
}
