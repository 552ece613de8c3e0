package dev.lora4j.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    /** Markup, an entity-looking ampersand, both quotes, non-ASCII and an emoji (a surrogate pair). */
    private static final String HOSTILE = "<script>alert('x')</script> & \"q\" &amp; Grüße 🙂";

    @TempDir
    Path temp;

    private static MethodResult method(String name, double r1, double r2, double rl, double rlsum, int evaluated) {
        return new MethodResult(name, "about " + name, r1, r2, rl, rlsum, "0.69 M (0.9%)", "3 min", evaluated);
    }

    private static double[] scores(MethodResult method) {
        return new double[] {method.rouge1(), method.rouge2(), method.rougeL(), method.rougeLsum()};
    }

    private static Map<String, String> predictions(String... methodThenText) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < methodThenText.length; i += 2) {
            map.put(methodThenText[i], methodThenText[i + 1]);
        }
        return map;
    }

    private static ReportData report(List<MethodResult> methods, List<SampleRow> samples, List<Path> plots) {
        return new ReportData("FLAN-T5 on DialogSum", "a subtitle",
                List.of(Map.entry("model", "google/flan-t5-small"), Map.entry("steps", "300")),
                methods, samples, plots, List.of("a note"));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** The text between {@code <tbody>} and {@code </tbody>} of the table with the given class. */
    private static String tableBody(String html, String tableClass) {
        int table = html.indexOf("<table class=\"" + tableClass + "\">");
        assertTrue(table >= 0, "no table " + tableClass);
        int start = html.indexOf("<tbody>", table);
        return html.substring(start, html.indexOf("</tbody>", start));
    }

    @Test
    void everyUserSuppliedStringIsEscaped() throws IOException {
        MethodResult hostileMethod = new MethodResult(HOSTILE, HOSTILE, 40, 15, 30, 31, HOSTILE, HOSTILE, 5);
        SampleRow sample = new SampleRow(HOSTILE, HOSTILE, HOSTILE, predictions(HOSTILE, HOSTILE));
        ReportData data = new ReportData(HOSTILE, HOSTILE, List.of(Map.entry(HOSTILE, HOSTILE)), List.of(hostileMethod),
                List.of(sample), List.of(temp.resolve("plots").resolve("<img onerror='x'>.png")), List.of(HOSTILE));
        Path file = temp.resolve("report.html");
        HtmlReport.write(data, file);
        String html = read(file);

        assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"), "raw script tag in the page");
        assertFalse(html.contains("<img onerror"), "raw markup from a file name");
        assertFalse(html.contains("alert('x')"), "single quotes must be escaped");
        assertFalse(html.contains("\"q\""), "double quotes must be escaped");
        String escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; &amp;amp; Grüße 🙂";
        // title element, h1, subtitle, setting name and value, method name, description, parameters, time,
        // sample id, dialogue, reference, the method's column header and its prediction, the note
        int count = html.split(Pattern.quote(escaped), -1).length - 1;
        assertEquals(15, count, html);
        assertTrue(html.contains("Grüße 🙂"), "non-ASCII text is kept as UTF-8, not mangled");
        assertTrue(html.contains("<meta charset=\"utf-8\">"));
        // The link is percent-encoded, then attribute-escaped; the alt text is escaped.
        assertTrue(html.contains("src=\"plots/%3Cimg%20onerror%3D%27x%27%3E.png\""), html);
        assertTrue(html.contains("alt=\"&lt;img onerror=&#39;x&#39;&gt;.png\""), html);
    }

    @Test
    void methodsTableShowsTheInputNumbersAndHighlightsTheBestPerColumn() throws IOException {
        List<MethodResult> methods = List.of(
                method("zero-shot", 28.123456789, 8.5, 24.0, 25.75, 100),
                method("LoRA", 41.987654321, 17.25, 33.3333333, 36.1, 100),
                method("full", 41.987654321, 16.0, Double.NaN, 35.0, 99));
        Path file = temp.resolve("report.html");
        HtmlReport.write(report(methods, List.of(), List.of()), file);
        String body = tableBody(read(file), "methods");

        List<String> rows = List.of(body.split("</tr>"));
        for (int m = 0; m < methods.size(); m++) {
            MethodResult method = methods.get(m);
            String row = rows.get(m);
            assertTrue(row.contains("<td class=\"name\">" + method.name() + "</td>"), row);
            double[] expected = scores(method);
            Matcher cell = Pattern.compile("<td class=\"num( best)?\"(?: data-value=\"([^\"]*)\")?>([^<]*)</td>").matcher(row);
            List<String[]> cells = new ArrayList<>();
            while (cell.find()) {
                cells.add(new String[] {cell.group(1), cell.group(2), cell.group(3)});
            }
            assertEquals(5, cells.size(), row); // four scores and the evaluated count
            for (int c = 0; c < 4; c++) {
                if (Double.isNaN(expected[c])) {
                    assertEquals("-", cells.get(c)[2]);
                    assertEquals(null, cells.get(c)[1]);
                    continue;
                }
                assertEquals(expected[c], Double.parseDouble(cells.get(c)[1]), "exact value of column " + c);
                assertEquals(String.format(Locale.ROOT, "%.2f", expected[c]), cells.get(c)[2]);
                int column = c;
                double best = methods.stream().mapToDouble(r -> scores(r)[column]).filter(Double::isFinite).max().orElseThrow();
                assertEquals(expected[c] == best, cells.get(c)[0] != null,
                        method.name() + " column " + c + " highlighted iff it is the column's best");
            }
            assertEquals(Integer.toString(method.evaluated()), cells.get(4)[1]);
            assertEquals(Integer.toString(method.evaluated()), cells.get(4)[2]);
            assertTrue(row.contains("<td>0.69 M (0.9%)</td><td>3 min</td>"), row);
        }
        // Ties are all highlighted: LoRA and full share the best ROUGE-1.
        assertEquals(2, body.split("class=\"num best\" data-value=\"41.987654321\"", -1).length - 1);
    }

    @Test
    void samplesKeepLineBreaksAndPredictionOrder() throws IOException {
        List<MethodResult> methods = List.of(method("zero-shot", 1, 1, 1, 1, 1), method("LoRA", 2, 2, 2, 2, 1));
        SampleRow first = new SampleRow("dev_1", "#Person1#: Hi.\r\n#Person2#: Hello!\n#Person1#: Bye.",
                "They greet.", predictions("LoRA", "Two people greet.", "zero-shot", "Hi.", "prefix", "Person1 says hi."));
        SampleRow second = new SampleRow("dev_2", "A: x", "B", predictions("zero-shot", "only zero-shot"));
        Path file = temp.resolve("report.html");
        HtmlReport.write(report(methods, List.of(first, second), List.of()), file);
        String html = read(file);

        assertTrue(html.contains("table.samples td { white-space: pre-wrap;"), "line breaks must render");
        assertTrue(html.contains("<td>#Person1#: Hi.\n#Person2#: Hello!\n#Person1#: Bye.</td>"), html);
        // Methods-table order first, then other methods in first-met order.
        assertTrue(html.contains("<th>Id</th><th>Dialogue</th><th>Human summary</th><th>zero-shot</th><th>LoRA</th>"
                + "<th>prefix</th></tr>"), html);
        String body = tableBody(html, "samples");
        assertTrue(body.contains("<td>They greet.</td><td>Hi.</td><td>Two people greet.</td><td>Person1 says hi.</td>"), body);
        assertTrue(body.contains("<td>B</td><td>only zero-shot</td><td>-</td><td>-</td>"), "missing predictions show '-'");
        assertEquals(List.of("zero-shot", "LoRA", "prefix"), HtmlReport.sampleColumns(List.of(first, second), methods));
    }

    @Test
    void plotsAreLinkedRelativeToThePage() throws IOException {
        Path page = temp.resolve("out").resolve("report.html");
        Path inPlots = temp.resolve("out").resolve("plots").resolve("loss.png");
        Path sibling = temp.resolve("runs").resolve("lora run #1").resolve("plots").resolve("lr.png");
        HtmlReport.write(report(List.of(), List.of(), List.of(inPlots, sibling)), page);
        String html = read(page);
        assertTrue(html.contains("<img src=\"plots/loss.png\""), html);
        assertTrue(html.contains("<img src=\"../runs/lora%20run%20%231/plots/lr.png\""), html);
    }

    @Test
    void jsonCarriesTheSameNumbers() throws IOException {
        List<MethodResult> methods = List.of(method("zero-shot", 28.123456789, 8.5, 24.0, 25.75, 100),
                method("LoRA", 41.9, 17.25, Double.NaN, 36.1, 98));
        SampleRow sample = new SampleRow("id1", "d", "r", predictions("LoRA", "p1", "zero-shot", "p0"));
        Path plot = temp.resolve("plots").resolve("loss.png");
        Path json = temp.resolve("report.json");
        HtmlReport.writeJson(report(methods, List.of(sample), List.of(plot)), json);

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals("FLAN-T5 on DialogSum", root.get("title").asText());
        assertEquals("model", root.get("settings").get(0).get("name").asText());
        assertEquals("google/flan-t5-small", root.get("settings").get(0).get("value").asText());
        for (int m = 0; m < methods.size(); m++) {
            MethodResult expected = methods.get(m);
            JsonNode row = root.get("methods").get(m);
            assertEquals(expected.name(), row.get("name").asText());
            assertEquals(expected.rouge1(), row.get("rouge1").asDouble());
            assertEquals(expected.rouge2(), row.get("rouge2").asDouble());
            if (Double.isNaN(expected.rougeL())) {
                assertTrue(row.get("rougeL").isNull());
            } else {
                assertEquals(expected.rougeL(), row.get("rougeL").asDouble());
            }
            assertEquals(expected.rougeLsum(), row.get("rougeLsum").asDouble());
            assertEquals(expected.evaluated(), row.get("evaluated").asInt());
            assertEquals(expected.trainableParameters(), row.get("trainable_parameters").asText());
        }
        List<String> order = new ArrayList<>();
        root.get("samples").get(0).get("predictions").fieldNames().forEachRemaining(order::add);
        assertEquals(List.of("LoRA", "zero-shot"), order);
        assertEquals("plots/loss.png", root.get("plots").get(0).asText());
    }

    @Test
    void writesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path dir = temp.resolve("out");
        ReportData data = report(List.of(method("LoRA", 1, 2, 3, 4, 5)), List.of(), List.of());
        HtmlReport.write(data, dir.resolve("report.html"));
        HtmlReport.write(data, dir.resolve("report.html")); // replace
        HtmlReport.writeJson(data, dir.resolve("report.json"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("report.html", "report.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }

        // A target that cannot be replaced (a directory) fails and leaves nothing behind.
        Path blocked = Files.createDirectories(temp.resolve("blocked").resolve("report.html"));
        assertThrows(IOException.class, () -> HtmlReport.write(data, blocked));
        try (Stream<Path> files = Files.list(blocked.getParent())) {
            assertEquals(List.of("report.html"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void recordsRejectMissingRequiredText() {
        assertThrows(NullPointerException.class, () -> new MethodResult(null, "", 1, 1, 1, 1, "-", "-", 1));
        assertThrows(IllegalArgumentException.class, () -> new MethodResult("m", "", 1, 1, 1, 1, "-", "-", -1));
        Map<String, String> withNull = new LinkedHashMap<>();
        withNull.put("LoRA", null);
        NullPointerException e = assertThrows(NullPointerException.class, () -> new SampleRow("id7", "d", "r", withNull));
        assertTrue(e.getMessage().contains("LoRA") && e.getMessage().contains("id7"), e.getMessage());
        assertEquals("-", new MethodResult("m", null, 1, 1, 1, 1, null, null, 0).trainingTime());
    }
}
