package dev.lora4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/data (tokenizer files, configs, DialogSum, SAMSum) beside the repository. */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String explicit = System.getProperty("lora4j.shared.data", System.getenv("LORA4J_SHARED_DATA"));
        Path dir = explicit != null
                ? Path.of(explicit)
                : Path.of(System.getProperty("lora4j.repo.root", ".")).toAbsolutePath().resolve("../shared/data").normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("shared data not found at " + dir
                    + " (set -Dlora4j.shared.data or LORA4J_SHARED_DATA)");
        }
        return dir;
    }

    /** A file under shared/data, e.g. {@code path("t5-tokenizer/spiece.model")}; it must exist. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("shared data file missing: " + p);
        }
        return p;
    }
}
