package dev.lora4j.examples.report;

import dev.lora4j.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.knowm.xchart.ChartEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a run directory's metrics (loss, learning rate, ROUGE) and of several runs side by side.
 * Charts are drawn by XChart into memory and written atomically, so a report never links a half-written image.
 */
public final class TrainingCurves {
    public static final String PLOTS_DIR = "plots";
    public static final String LOSS_PNG = "loss.png";
    public static final String LR_PNG = "lr.png";
    public static final String ROUGE_PNG = "rouge.png";
    public static final String LOSS_COMPARISON_PNG = "loss-comparison.png";
    public static final String EVAL_LOSS_COMPARISON_PNG = "eval-loss-comparison.png";

    static final int WIDTH = 960;
    static final int HEIGHT = 540;
    /** Above this many points a series is drawn as a bare line; below it each point gets a marker, so a few points stay visible. */
    private static final int MARKER_LIMIT = 60;
    /**
     * Most points drawn per series. A chart is under a thousand pixels wide, so more points add nothing
     * visible, and XChart's tick layout slows down sharply with the number of distinct x values (a
     * 100,000-step run took half a minute per chart).
     */
    static final int MAX_POINTS = 1000;

    static {
        // Charts are only ever drawn into images; headless mode keeps AWT from looking for a display.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private TrainingCurves() {}

    /** {@link #write(Path, boolean)} with a linear loss axis. */
    public static List<Path> write(Path runDir) throws IOException {
        return write(runDir, false);
    }

    /**
     * Writes {@code runDir/plots/loss.png} (train loss, plus eval loss when the run evaluated),
     * {@code lr.png} and, when {@code runDir/rouge.jsonl} exists, {@code rouge.png}. A chart with nothing to
     * draw is not written.
     *
     * @param logScaleLoss draw the loss on a log axis (ignored, falling back to linear, if a loss is not positive)
     * @return the files written, in the order above
     * @throws java.nio.file.NoSuchFileException if the run has no metrics.jsonl
     * @throws MalformedLineException            naming the file and line of a row that cannot be read
     */
    public static List<Path> write(Path runDir, boolean logScaleLoss) throws IOException {
        RunMetrics metrics = RunMetrics.read(runDir);
        Map<String, Optional<XYChart>> charts = new LinkedHashMap<>();
        charts.put(LOSS_PNG, lossChart(metrics, logScaleLoss));
        charts.put(LR_PNG, lrChart(metrics));
        charts.put(ROUGE_PNG, rougeChart(metrics));
        return writeAll(charts, runDir.resolve(PLOTS_DIR));
    }

    /**
     * Writes {@code outDir/loss-comparison.png}, the train loss of every run on one chart (one series per
     * method, in map order), and {@code eval-loss-comparison.png} when at least one run evaluated.
     *
     * @param runDirsByMethod run directory per method name, e.g. {"LoRA r=8": ..., "full fine-tune": ...}
     * @return the files written
     */
    public static List<Path> writeComparison(Map<String, Path> runDirsByMethod, Path outDir) throws IOException {
        if (runDirsByMethod.isEmpty()) {
            throw new IllegalArgumentException("no runs to compare");
        }
        Map<String, RunMetrics> runs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> run : runDirsByMethod.entrySet()) {
            runs.put(run.getKey(), RunMetrics.read(run.getValue()));
        }
        Map<String, Optional<XYChart>> charts = new LinkedHashMap<>();
        charts.put(LOSS_COMPARISON_PNG, comparisonChart(runs, "Training loss", "train loss", RunMetrics::train,
                RunMetrics.TrainPoint::step, RunMetrics.TrainPoint::loss));
        charts.put(EVAL_LOSS_COMPARISON_PNG, comparisonChart(runs, "Evaluation loss", "eval loss", RunMetrics::eval,
                RunMetrics.EvalPoint::step, RunMetrics.EvalPoint::evalLoss));
        return writeAll(charts, outDir);
    }

    /** Train loss per step and, when the run evaluated, eval loss as a second series; empty if neither exists. */
    static Optional<XYChart> lossChart(RunMetrics metrics, boolean logScale) {
        XYChart chart = newChart("Loss", "step", "loss", Styler.LegendPosition.InsideNE);
        addSeries(chart, "train loss", metrics.train(), RunMetrics.TrainPoint::step, RunMetrics.TrainPoint::loss);
        XYSeries eval = addSeries(chart, "eval loss", metrics.eval(), RunMetrics.EvalPoint::step,
                RunMetrics.EvalPoint::evalLoss);
        if (eval != null) {
            eval.setMarker(SeriesMarkers.CIRCLE); // evaluations are sparse: show where they happened
        }
        if (logScale) {
            useLogScaleIfPositive(chart);
        }
        return nonEmpty(chart);
    }

    /**
     * The learning rate the schedule gave each logged step, in units of a power of ten named in the axis title
     * (e.g. "learning rate (x 1e-4)"). XChart treats values less than 1e-4 apart as equally spaced and then
     * labels raw data values, which for learning rates gives a pile of overlapping labels; scaled values
     * get ordinary round ticks.
     */
    static Optional<XYChart> lrChart(RunMetrics metrics) {
        double largest = 0;
        for (RunMetrics.TrainPoint point : metrics.train()) {
            if (Double.isFinite(point.lr())) {
                largest = Math.max(largest, Math.abs(point.lr()));
            }
        }
        int exponent = largest > 0 ? (int) Math.floor(Math.log10(largest)) : 0;
        double unit = exponent < 0 ? Math.pow(10, exponent) : 1;
        String yTitle = exponent < 0 ? "learning rate (x 1e" + exponent + ")" : "learning rate";
        XYChart chart = newChart("Learning rate", "step", yTitle, Styler.LegendPosition.InsideNE);
        addSeries(chart, "learning rate", metrics.train(), RunMetrics.TrainPoint::step, p -> p.lr() / unit);
        return nonEmpty(chart);
    }

    /** One series per ROUGE type present in rouge.jsonl (F-measures in percent). */
    static Optional<XYChart> rougeChart(RunMetrics metrics) {
        XYChart chart = newChart("ROUGE during training", "step", "F-measure (%)", Styler.LegendPosition.InsideSE);
        List<RunMetrics.RougePoint> rows = metrics.rouge();
        ToLongFunction<RunMetrics.RougePoint> step = RunMetrics.RougePoint::step;
        addSeries(chart, "ROUGE-1", rows, step, RunMetrics.RougePoint::rouge1);
        addSeries(chart, "ROUGE-2", rows, step, RunMetrics.RougePoint::rouge2);
        addSeries(chart, "ROUGE-L", rows, step, RunMetrics.RougePoint::rougeL);
        addSeries(chart, "ROUGE-Lsum", rows, step, RunMetrics.RougePoint::rougeLsum);
        for (XYSeries series : chart.getSeriesCollection()) {
            series.setMarker(SeriesMarkers.CIRCLE);
        }
        return nonEmpty(chart);
    }

    /** One series per run (a run without points of this kind is left out). */
    static <P> Optional<XYChart> comparisonChart(Map<String, RunMetrics> runs, String title, String yTitle,
                                                 java.util.function.Function<RunMetrics, List<P>> points,
                                                 ToLongFunction<P> step, ToDoubleFunction<P> value) {
        XYChart chart = newChart(title, "step", yTitle, Styler.LegendPosition.InsideNE);
        for (Map.Entry<String, RunMetrics> run : runs.entrySet()) {
            addSeries(chart, run.getKey(), points.apply(run.getValue()), step, value);
        }
        return nonEmpty(chart);
    }

    /** Encodes the chart as PNG and writes it atomically (temp file + rename). */
    static void writePng(XYChart chart, Path file) throws IOException {
        AtomicFiles.write(file, ChartEncoder.getBytes(chart, "png"));
    }

    private static List<Path> writeAll(Map<String, Optional<XYChart>> charts, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, Optional<XYChart>> chart : charts.entrySet()) {
            if (chart.getValue().isPresent()) {
                Files.createDirectories(dir);
                Path file = dir.resolve(chart.getKey());
                writePng(chart.getValue().get(), file);
                written.add(file);
            }
        }
        return written;
    }

    /** @param legend where the legend covers the least: losses fall (top right is free), scores rise (bottom right is) */
    private static XYChart newChart(String title, String xTitle, String yTitle, Styler.LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(legend);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setPlotBorderColor(Color.LIGHT_GRAY);
        chart.getStyler().setPlotGridLinesColor(new Color(230, 230, 230));
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        // Steps start at 1; starting the axis at 0 gives round tick values, and a dozen labels stay legible.
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMaxLabelCount(12);
        return chart;
    }

    /**
     * Adds the finite (step, value) points as a series; returns null and adds nothing when there are none
     * (a NaN learning rate or a ROUGE type the file lacks). Longer series than {@link #MAX_POINTS} are
     * averaged over consecutive groups of points, and the legend says so.
     */
    private static <P> XYSeries addSeries(XYChart chart, String name, List<P> points, ToLongFunction<P> step,
                                          ToDoubleFunction<P> value) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (P point : points) {
            double y = value.applyAsDouble(point);
            if (Double.isFinite(y)) {
                xs.add((double) step.applyAsLong(point));
                ys.add(y);
            }
        }
        if (xs.isEmpty()) {
            return null;
        }
        int group = (xs.size() + MAX_POINTS - 1) / MAX_POINTS;
        String seriesName = name;
        if (group > 1) {
            xs = groupMeans(xs, group);
            ys = groupMeans(ys, group);
            seriesName = name + " (mean of " + group + " logged steps)";
        }
        XYSeries series = chart.addSeries(seriesName, xs, ys);
        series.setMarker(xs.size() > MARKER_LIMIT ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        return series;
    }

    /** The mean of each run of {@code group} consecutive values (the last run may be shorter). */
    static List<Double> groupMeans(List<Double> values, int group) {
        List<Double> means = new ArrayList<>(values.size() / group + 1);
        for (int start = 0; start < values.size(); start += group) {
            int end = Math.min(values.size(), start + group);
            double sum = 0;
            for (int i = start; i < end; i++) {
                sum += values.get(i);
            }
            means.add(sum / (end - start));
        }
        return means;
    }

    /** A log axis cannot show zero or negative values: then the chart stays linear (and says so in its title). */
    private static void useLogScaleIfPositive(XYChart chart) {
        boolean allPositive = chart.getSeriesCollection().stream()
                .allMatch(series -> series.getYMin() > 0);
        if (allPositive) {
            chart.getStyler().setYAxisLogarithmic(true);
            // Losses rarely span several decades: label 2, 3, ... too, not only 1, 10, 100.
            chart.getStyler().setYAxisLogarithmicDecadeOnly(false);
        } else {
            chart.setTitle(chart.getTitle() + " (linear: some values are not positive)");
        }
    }

    private static Optional<XYChart> nonEmpty(XYChart chart) {
        return chart.getSeriesCollection().isEmpty() ? Optional.empty() : Optional.of(chart);
    }
}
