package dev.lora4j.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.Lora4jException;
import dev.lora4j.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress output, written to a captured stream with a hand-driven clock (no sleeping, no timing). */
class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private void advanceSeconds(long seconds) {
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private List<String> lines() {
        String text = output();
        assertTrue(text.isEmpty() || text.endsWith(System.lineSeparator()), "unterminated line: " + text);
        return text.isEmpty() ? List.of() : List.of(text.split(System.lineSeparator()));
    }

    private TaskProgress plainTask(String label, long total, ProgressUnit unit) {
        return new TaskProgress(label, total, unit, out, ProgressMode.PLAIN, nanos::get);
    }

    @Test
    void modeComesFromTheEnvironmentSettingOrTheTerminal() {
        assertEquals(ProgressMode.BAR, ProgressMode.resolve(null, true));
        assertEquals(ProgressMode.PLAIN, ProgressMode.resolve(null, false));
        assertEquals(ProgressMode.PLAIN, ProgressMode.resolve(" auto ", false));
        assertEquals(ProgressMode.BAR, ProgressMode.resolve("", true));
        assertEquals(ProgressMode.PLAIN, ProgressMode.resolve("plain", true));
        assertEquals(ProgressMode.OFF, ProgressMode.resolve("OFF", true));
        assertEquals(ProgressMode.BAR, ProgressMode.resolve("bar", false));
        Lora4jException e = assertThrows(Lora4jException.class, () -> ProgressMode.resolve("fancy", true));
        assertTrue(e.getMessage().contains("LORA4J_PROGRESS") && e.getMessage().contains("'fancy'"), e.getMessage());
    }

    @Test
    void plainTaskPrintsALineEveryTenPercentWithoutCarriageReturns() {
        try (TaskProgress progress = plainTask("generate", 20, ProgressUnit.COUNT)) {
            for (int i = 0; i < 20; i++) {
                advanceSeconds(1);
                progress.step(1);
            }
        }
        List<String> expected = new ArrayList<>();
        expected.add("generate 0/20 0% elapsed 0:00:00 eta ?");
        for (int done = 2; done <= 20; done += 2) {
            expected.add(String.format(Locale.ROOT, "generate %d/20 %d%% elapsed 0:00:%02d eta 0:00:%02d",
                    done, done * 5, done, 20 - done));
        }
        assertEquals(expected, lines());
        assertTrue(!output().contains("\r"), "plain output must not redraw");
    }

    @Test
    void plainTaskPrintsEveryThirtySecondsBetweenStepsAndTheEndOnClose() {
        try (TaskProgress progress = plainTask("generate", 1000, ProgressUnit.COUNT)) {
            for (int i = 0; i < 50; i++) {
                advanceSeconds(1);
                progress.step(1);
            }
        }
        assertEquals(List.of(
                "generate 0/1000 0% elapsed 0:00:00 eta ?",
                "generate 30/1000 3% elapsed 0:00:30 eta 0:16:10",
                "generate 50/1000 5% elapsed 0:00:50 eta 0:15:50"), lines());
    }

    @Test
    void plainTaskShowsExtraTextAndBytesOfUnknownTotal() {
        try (TaskProgress progress = plainTask("download", 0, ProgressUnit.BYTES)) {
            progress.setExtra("model.safetensors");
            advanceSeconds(31);
            progress.step(5L << 20);
            advanceSeconds(1);
            progress.step(512L << 10); // within 30 s of the last line: nothing until close
            progress.println("checksum ok");
        }
        assertEquals(List.of(
                "download 0 B elapsed 0:00:00",
                "download 5.0 MiB elapsed 0:00:31 | model.safetensors",
                "checksum ok",
                "download 5.5 MiB elapsed 0:00:32 | model.safetensors"), lines());
    }

    @Test
    void trainingProgressInPlainModeLogsSmoothedLossLrSpeedAndEvalLines() {
        long start = 40;
        long total = 100;
        List<String> expected = new ArrayList<>();
        expected.add("train 40/100 40% elapsed 0:00:00 eta ?");
        double average = 0;
        int seen = 0;
        try (TrainingProgress progress = new TrainingProgress(
                new PlainView("train", total, start, ProgressUnit.COUNT, out, nanos::get))) {
            for (long step = start + 1; step <= total; step++) {
                advanceSeconds(2);
                double loss = 3.0 - 0.01 * step + (step % 2 == 0 ? 0.2 : -0.2);
                progress.onStep(new Trainer.StepMetrics(step, loss, 3e-4, 1.0, 2048, 1234.4, 0));
                average = 0.9 * average + 0.1 * loss;
                seen++;
                if (step % 10 == 0) {
                    double smoothed = average / (1 - Math.pow(0.9, seen));
                    long elapsed = (step - start) * 2;
                    long eta = (total - step) * 2;
                    expected.add(String.format(Locale.ROOT,
                            "train %d/100 %d%% elapsed 0:%02d:%02d eta 0:%02d:%02d | loss %.4f lr 3.00e-04 1234 tok/s",
                            step, step, elapsed / 60, elapsed % 60, eta / 60, eta % 60, smoothed));
                }
                if (step == 50) {
                    progress.onEval(step, 2.45678);
                    expected.add("step 50: eval loss 2.4568");
                }
            }
        }
        assertEquals(expected, lines());
    }

    @Test
    void offModePrintsNothing() {
        try (TrainingProgress progress = new TrainingProgress(10, 0, "train", out, ProgressMode.OFF)) {
            progress.onStep(new Trainer.StepMetrics(1, 2.0, 1e-4, 1, 10, 10, 0));
            progress.onEval(1, 2.0);
            progress.println("anything");
        }
        try (TaskProgress task = new TaskProgress("generate", 5, ProgressUnit.COUNT, out, ProgressMode.OFF)) {
            task.step(5);
        }
        assertEquals("", output());
    }

    @Test
    void barModeRedrawsInPlaceAndPrintsLinesAboveTheBar() {
        int width = 100;
        try (TaskProgress progress = new TaskProgress(
                new BarView("generate", 10, 0, ProgressUnit.COUNT, true, out, width))) {
            for (int i = 0; i < 10; i++) {
                progress.step(1);
            }
            progress.setExtra("ROUGE-L 31.2");
            progress.println("a line above the bar");
        }
        String text = output();
        assertTrue(text.contains("\r"), "a bar redraws with carriage returns");
        int line = text.indexOf("a line above the bar" + System.lineSeparator());
        assertTrue(line >= 0, text);
        String lastFrame = text.substring(text.lastIndexOf('\r') + 1).strip();
        assertTrue(text.lastIndexOf('\r') > line, "the bar is drawn again below the line");
        assertTrue(lastFrame.startsWith("generate") && lastFrame.contains("100%") && lastFrame.contains("10/10")
                && lastFrame.contains("/s ROUGE-L 31.2"), lastFrame);
        for (String frame : text.split("\r")) {
            assertTrue(frame.strip().length() <= width, "frame wider than the bar: " + frame);
        }
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingProgress(10, 11, "train", out, ProgressMode.OFF));
        assertThrows(IllegalArgumentException.class, () -> new TrainingProgress(0, 0, "train", out, ProgressMode.OFF));
        try (TaskProgress task = plainTask("generate", 5, ProgressUnit.COUNT)) {
            assertThrows(IllegalArgumentException.class, () -> task.step(-1));
        }
    }

    @Test
    void amountsAndDurationsAreFormattedForPeople() {
        assertEquals("0:00:00", ProgressText.duration(0));
        assertEquals("1:02:05", ProgressText.duration(TimeUnit.SECONDS.toNanos(3725)));
        assertEquals("27:46:40", ProgressText.duration(TimeUnit.SECONDS.toNanos(100_000)));
        assertEquals("512 B", ProgressText.amount(512, ProgressUnit.BYTES));
        assertEquals("1.5 KiB", ProgressText.amount(1536, ProgressUnit.BYTES));
        assertEquals("2.0 GiB", ProgressText.amount(2L << 30, ProgressUnit.BYTES));
        assertEquals("1536", ProgressText.amount(1536, ProgressUnit.COUNT));
    }
}
