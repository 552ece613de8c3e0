package dev.lora4j.examples.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.train.MetricsLog;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * Charts from run directories whose metrics.jsonl is written by the trainer's own writer ({@link MetricsLog}),
 * so the reader is checked against the format the trainer really produces.
 */
class TrainingCurvesPlotTest {
    @TempDir
    Path temp;

    /** A run of {@code steps} logged steps with a decaying loss and a warmup-then-linear lr; eval every {@code evalEvery} (0: never). */
    private static Path run(Path dir, int steps, int evalEvery) throws IOException {
        Files.createDirectories(dir);
        try (MetricsLog log = new MetricsLog(dir.resolve(RunMetrics.METRICS_FILE), 0)) {
            for (int step = 1; step <= steps; step++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", (long) step);
                row.put("epoch", step / 10);
                row.put("loss", loss(step));
                row.put("lr", lr(step, steps));
                row.put("grad_norm", 1.0 / step);
                row.put("tokens", 512L);
                row.put("tokens_per_s", 1000.0 + step);
                log.write(row);
                if (evalEvery > 0 && step % evalEvery == 0) {
                    log.write(Map.of("step", (long) step, "eval_loss", evalLoss(step)));
                }
            }
        }
        return dir;
    }

    private static double loss(int step) {
        return 0.8 + 3.0 * Math.exp(-step / 15.0) + 0.05 * Math.sin(step);
    }

    private static double evalLoss(int step) {
        return 1.0 + 2.5 * Math.exp(-step / 20.0);
    }

    private static double lr(int step, int steps) {
        return step <= 5 ? 3e-4 * step / 5 : 3e-4 * (steps - step) / (steps - 5);
    }

    private static void writeRouge(Path dir, String... rows) throws IOException {
        Files.writeString(dir.resolve(RunMetrics.ROUGE_FILE), String.join("\n", rows) + "\n", StandardCharsets.UTF_8);
    }

    private static List<String> seriesNames(XYChart chart) {
        return chart.getSeriesCollection().stream().map(XYSeries::getName).toList();
    }

    @Test
    void writesDecodablePngsOfTheChartSizeIntoPlots() throws IOException {
        Path dir = run(temp.resolve("run"), 60, 20);
        writeRouge(dir,
                "{\"step\": 20, \"rouge1\": 30.5, \"rouge2\": 9.25, \"rougeL\": 25.0, \"rougeLsum\": 26.5}",
                "{\"step\": 40, \"rouge1\": 35.0, \"rouge2\": 11.0, \"rougeL\": 28.75, \"rougeLsum\": 29.0}");

        List<Path> written = TrainingCurves.write(dir);

        Path plots = dir.resolve(TrainingCurves.PLOTS_DIR);
        assertEquals(List.of(plots.resolve("loss.png"), plots.resolve("lr.png"), plots.resolve("rouge.png")), written);
        for (Path png : written) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(image != null, png + " does not decode as an image");
            assertEquals(TrainingCurves.WIDTH, image.getWidth(), png.toString());
            assertEquals(TrainingCurves.HEIGHT, image.getHeight(), png.toString());
        }
    }

    @Test
    void lossChartHasAnEvalSeriesOnlyWhenTheRunEvaluated() throws IOException {
        RunMetrics withEval = RunMetrics.read(run(temp.resolve("eval"), 45, 15));
        XYChart chart = TrainingCurves.lossChart(withEval, false).orElseThrow();
        assertEquals(List.of("train loss", "eval loss"), seriesNames(chart));

        XYSeries train = chart.getSeries("train loss");
        XYSeries eval = chart.getSeries("eval loss");
        double[] steps = new double[45];
        double[] losses = new double[45];
        for (int i = 0; i < 45; i++) {
            steps[i] = i + 1;
            losses[i] = loss(i + 1);
        }
        assertArrayEquals(steps, train.getXData());
        assertArrayEquals(losses, train.getYData());
        assertArrayEquals(new double[] {15, 30, 45}, eval.getXData());
        assertArrayEquals(new double[] {evalLoss(15), evalLoss(30), evalLoss(45)}, eval.getYData());

        RunMetrics withoutEval = RunMetrics.read(run(temp.resolve("no-eval"), 10, 0));
        assertEquals(List.of("train loss"), seriesNames(TrainingCurves.lossChart(withoutEval, false).orElseThrow()));
    }

    @Test
    void lrChartFollowsTheLoggedSchedule() throws IOException {
        RunMetrics metrics = RunMetrics.read(run(temp.resolve("run"), 30, 0));
        XYChart chart = TrainingCurves.lrChart(metrics).orElseThrow();
        // Values around 1e-4 are drawn in units of 1e-4, named in the axis title.
        assertEquals("learning rate (x 1e-4)", chart.getYAxisTitle());
        XYSeries lr = chart.getSeries("learning rate");
        for (int i = 0; i < 30; i++) {
            assertEquals(lr(i + 1, 30), lr.getYData()[i] * 1e-4, 1e-18);
        }
    }

    @Test
    void rougeChartHasOneSeriesPerTypePresent() throws IOException {
        Path dir = run(temp.resolve("run"), 5, 0);
        writeRouge(dir,
                "{\"step\": 2, \"rouge1\": 30.0, \"rouge2\": 10.0, \"rougeL\": 25.0}",
                "{\"step\": 4, \"rouge1\": 31.0, \"rouge2\": 11.0, \"rougeL\": 26.0}");
        XYChart chart = TrainingCurves.rougeChart(RunMetrics.read(dir)).orElseThrow();
        assertEquals(List.of("ROUGE-1", "ROUGE-2", "ROUGE-L"), seriesNames(chart));
        assertArrayEquals(new double[] {10.0, 11.0}, chart.getSeries("ROUGE-2").getYData());
    }

    @Test
    void withoutRougeFileNoRougePlotIsWritten() throws IOException {
        Path dir = run(temp.resolve("run"), 5, 0);
        List<Path> written = TrainingCurves.write(dir);
        assertEquals(List.of("loss.png", "lr.png"), written.stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void corruptLineIsReportedWithItsLineNumber() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Files.writeString(dir.resolve(RunMetrics.METRICS_FILE), String.join("\n",
                "{\"step\": 1, \"loss\": 2.5, \"lr\": 1e-4}",
                "{\"step\": 2, \"loss\": 2.4, \"lr\": 1e-4}",
                "{\"step\": 3, \"loss\": 2.3, \"lr\": ",
                "{\"step\": 4, \"loss\": 2.2, \"lr\": 1e-4}",
                ""));
        MalformedLineException e = assertThrows(MalformedLineException.class, () -> TrainingCurves.write(dir));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(dir.resolve(RunMetrics.METRICS_FILE) + ":3:"), e.getMessage());
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
        assertFalse(Files.exists(dir.resolve(TrainingCurves.PLOTS_DIR)), "nothing is written from a corrupt file");
    }

    @Test
    void wrongTypesAndNonObjectsAreReportedWithLineAndField() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Path metrics = dir.resolve(RunMetrics.METRICS_FILE);

        Files.writeString(metrics, "{\"step\": 1, \"loss\": 2.5}\n\n{\"step\": 2, \"loss\": \"high\"}\n");
        MalformedLineException e = assertThrows(MalformedLineException.class, () -> RunMetrics.read(dir));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("\"loss\" must be a number"), e.getMessage());

        Files.writeString(metrics, "{\"step\": 1.5, \"loss\": 2.5}\n");
        e = assertThrows(MalformedLineException.class, () -> RunMetrics.read(dir));
        assertTrue(e.getMessage().contains(":1: \"step\" must be a non-negative integer"), e.getMessage());

        Files.writeString(metrics, "{\"step\": 1, \"loss\": 2.5}\n[1, 2]\n");
        e = assertThrows(MalformedLineException.class, () -> RunMetrics.read(dir));
        assertTrue(e.getMessage().contains(":2: expected a JSON object"), e.getMessage());

        Files.writeString(metrics, "{\"step\": 1, \"loss\": 2.5}\n");
        Files.writeString(dir.resolve(RunMetrics.ROUGE_FILE), "{\"step\": 1, \"rouge1\": 20}\n{\"step\": 2, \"rouge1\": true}\n");
        e = assertThrows(MalformedLineException.class, () -> RunMetrics.read(dir));
        assertEquals(dir.resolve(RunMetrics.ROUGE_FILE), e.file());
        assertEquals(2, e.line());
    }

    @Test
    void lastLineCutShortByAKilledRunIsSkippedButOnlyThen() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Path metrics = dir.resolve(RunMetrics.METRICS_FILE);
        // Killed mid-write: the last line has no newline and is incomplete.
        Files.writeString(metrics, "{\"step\": 1, \"loss\": 2.5, \"lr\": 1e-4}\n{\"step\": 2, \"loss\": 2.4, \"l");
        assertEquals(1, RunMetrics.read(dir).train().size());

        // The same broken line, but terminated: something else broke it, so it is an error.
        Files.writeString(metrics, "{\"step\": 1, \"loss\": 2.5, \"lr\": 1e-4}\n{\"step\": 2, \"loss\": 2.4, \"l\n");
        assertEquals(2, assertThrows(MalformedLineException.class, () -> RunMetrics.read(dir)).line());
    }

    @Test
    void missingMetricsFileNamesThePath() {
        Path dir = temp.resolve("not-a-run");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> TrainingCurves.write(dir));
        assertTrue(e.getMessage().contains(dir.resolve(RunMetrics.METRICS_FILE).toString()), e.getMessage());
    }

    @Test
    void logScaleIsUsedForPositiveLossesAndRefusedOtherwise() throws IOException {
        RunMetrics positive = RunMetrics.read(run(temp.resolve("run"), 10, 5));
        assertTrue(TrainingCurves.lossChart(positive, true).orElseThrow().getStyler().isYAxisLogarithmic());
        assertFalse(TrainingCurves.lossChart(positive, false).orElseThrow().getStyler().isYAxisLogarithmic());

        Path dir = Files.createDirectories(temp.resolve("zero"));
        Files.writeString(dir.resolve(RunMetrics.METRICS_FILE), "{\"step\": 1, \"loss\": 0.5}\n{\"step\": 2, \"loss\": 0.0}\n");
        XYChart chart = TrainingCurves.lossChart(RunMetrics.read(dir), true).orElseThrow();
        assertFalse(chart.getStyler().isYAxisLogarithmic());
        TrainingCurves.writePng(chart, temp.resolve("zero.png")); // still renders
        assertTrue(ImageIO.read(temp.resolve("zero.png").toFile()) != null);
    }

    @Test
    void singlePointAndNonFiniteValuesStillRender() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Files.writeString(dir.resolve(RunMetrics.METRICS_FILE),
                "{\"step\": 1, \"loss\": 2.5, \"lr\": NaN}\n{\"step\": 2, \"loss\": NaN}\n");
        RunMetrics metrics = RunMetrics.read(dir);
        XYChart chart = TrainingCurves.lossChart(metrics, false).orElseThrow();
        assertArrayEquals(new double[] {2.5}, chart.getSeries("train loss").getYData());
        assertTrue(TrainingCurves.lrChart(metrics).isEmpty(), "no finite learning rate: no lr chart");
        assertTrue(TrainingCurves.lrChart(RunMetrics.read(run(temp.resolve("big-lr"), 3, 0))).isPresent());
        List<Path> written = TrainingCurves.write(dir);
        assertEquals(1, written.size());
        assertEquals(TrainingCurves.WIDTH, ImageIO.read(written.get(0).toFile()).getWidth());
    }

    @Test
    void longRunsAreDrawnAsMeansOfConsecutiveSteps() throws IOException {
        int steps = 2500; // more than MAX_POINTS: groups of 3 logged steps
        RunMetrics metrics = RunMetrics.read(run(temp.resolve("long"), steps, 500));
        XYChart chart = TrainingCurves.lossChart(metrics, false).orElseThrow();
        assertEquals(List.of("train loss (mean of 3 logged steps)", "eval loss"), seriesNames(chart));
        XYSeries train = chart.getSeries("train loss (mean of 3 logged steps)");
        assertEquals(834, train.getXData().length);
        assertEquals((loss(1) + loss(2) + loss(3)) / 3, train.getYData()[0], 1e-12);
        assertEquals(2.0, train.getXData()[0], 1e-12);
        assertEquals(loss(2500), train.getYData()[833], 1e-12, "the last group holds the one step left");
        assertEquals(5, chart.getSeries("eval loss").getXData().length, "short series are drawn as logged");
        assertEquals(List.of(1.5, 3.5, 5.0), TrainingCurves.groupMeans(List.of(1.0, 2.0, 3.0, 4.0, 5.0), 2));
    }

    @Test
    void writesAtomicallyLeavingNoTemporaryFiles() throws IOException {
        Path dir = run(temp.resolve("run"), 20, 10);
        TrainingCurves.write(dir);
        TrainingCurves.write(dir, true); // overwrite in place
        try (Stream<Path> files = Files.list(dir.resolve(TrainingCurves.PLOTS_DIR))) {
            assertEquals(List.of("loss.png", "lr.png"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void comparisonPutsEveryRunOnOneChart() throws IOException {
        Map<String, Path> runs = new LinkedHashMap<>();
        runs.put("LoRA r=8", run(temp.resolve("lora"), 30, 10));
        runs.put("full fine-tune", run(temp.resolve("full"), 20, 0));
        Map<String, RunMetrics> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, Path> r : runs.entrySet()) {
            metrics.put(r.getKey(), RunMetrics.read(r.getValue()));
        }
        XYChart train = TrainingCurves.comparisonChart(metrics, "Training loss", "train loss", RunMetrics::train,
                RunMetrics.TrainPoint::step, RunMetrics.TrainPoint::loss).orElseThrow();
        assertEquals(List.of("LoRA r=8", "full fine-tune"), seriesNames(train));
        assertEquals(20, train.getSeries("full fine-tune").getXData().length);
        XYChart eval = TrainingCurves.comparisonChart(metrics, "Evaluation loss", "eval loss", RunMetrics::eval,
                RunMetrics.EvalPoint::step, RunMetrics.EvalPoint::evalLoss).orElseThrow();
        assertEquals(List.of("LoRA r=8"), seriesNames(eval), "a run that never evaluated has no eval series");

        Path out = temp.resolve("report");
        List<Path> written = TrainingCurves.writeComparison(runs, out);
        assertEquals(List.of(out.resolve("loss-comparison.png"), out.resolve("eval-loss-comparison.png")), written);
        for (Path png : written) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertEquals(TrainingCurves.WIDTH, image.getWidth());
            assertEquals(TrainingCurves.HEIGHT, image.getHeight());
        }

        Map<String, Path> noEval = new LinkedHashMap<>();
        noEval.put("full fine-tune", runs.get("full fine-tune"));
        List<String> names = new ArrayList<>();
        for (Path p : TrainingCurves.writeComparison(noEval, temp.resolve("report2"))) {
            names.add(p.getFileName().toString());
        }
        assertEquals(List.of("loss-comparison.png"), names);
        assertThrows(IllegalArgumentException.class, () -> TrainingCurves.writeComparison(Map.of(), out));
    }
}
