package dev.lora4j.examples.programs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example programs in this package run to the end on tiny shapes (scripts/consumer-test.sh runs QuickStart as a user would). */
class ProgramsTest {

    @Test
    void quickStartTrainsSavesAndSummarizes(@TempDir Path dir) throws Exception {
        String out = captureStdout(() -> QuickStart.main(new String[] {dir.resolve("adapter").toString(), "2", "tiny"}));
        assertTrue(out.contains("step 2 loss"), out);
        assertTrue(out.contains("summary: \""), out);
        assertTrue(Files.size(dir.resolve("adapter/adapter_model.safetensors")) > 0);
        assertTrue(Files.isRegularFile(dir.resolve("adapter/adapter_config.json")));
    }

    private static String captureStdout(Runnable program) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            program.run();
        } finally {
            System.setOut(saved);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
