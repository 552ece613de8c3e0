package dev.lora4j.examples.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a report shows. All text is plain text (the writer escapes it).
 *
 * @param subtitle may be null (no subtitle)
 * @param settings name/value pairs shown as a small table, in order (model, dataset, steps, ...)
 * @param methods  rows of the methods table
 * @param samples  rows of the side-by-side samples table
 * @param plots    image files to show; the HTML references them relative to its own location
 * @param notes    free-text remarks shown as a list at the end
 */
public record ReportData(String title, String subtitle, List<Map.Entry<String, String>> settings,
                         List<MethodResult> methods, List<SampleRow> samples, List<Path> plots, List<String> notes) {
    public ReportData {
        Objects.requireNonNull(title, "title");
        settings = settings.stream()
                .map(e -> Map.entry(Objects.requireNonNull(e.getKey(), "setting name"),
                        Objects.requireNonNull(e.getValue(), () -> "value of setting " + e.getKey())))
                .toList();
        methods = List.copyOf(methods);
        samples = List.copyOf(samples);
        plots = List.copyOf(plots);
        notes = List.copyOf(notes);
    }
}
