package dev.lora4j.examples;

import dev.lora4j.io.AtomicFiles;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small text outputs of the CLI, written atomically (a killed command never leaves half a file). */
final class OutputFiles {
    private OutputFiles() {}

    static void writeString(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Lora4jException("output", "cannot write " + file + ": " + IoMessages.reason(e), e);
        }
    }
}
