package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a command may write: never over one of its inputs, and never outside its output directory. Both
 * checks run before any work starts, so a refused command costs nothing and changes nothing.
 */
final class OutputPaths {
    private OutputPaths() {}

    /**
     * Refuses an output file that is one of the inputs (by path or, when both exist, by identity: a link
     * or another spelling of the same file).
     *
     * @param option the output's flag, e.g. {@code --output}
     * @param inputs each input's flag (or description) and path; null paths are ignored
     */
    static void refuseInputs(String option, Path output, Map<String, Path> inputs) {
        for (Map.Entry<String, Path> input : inputs.entrySet()) {
            Path in = input.getValue();
            if (in != null && same(output, in)) {
                throw new Lora4jException("cli", option + " " + output + " is the " + input.getKey() + " file: writing there would "
                        + "replace the input; choose another " + option);
            }
        }
    }

    /** Refuses an output directory that is an existing file (an input, or anything else that is not a directory). */
    static void requireDirectory(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Lora4jException("cli", option + " " + dir + " is a file, not a directory: choose a new or existing directory");
        }
    }

    /** dir/relative, refused if it would leave dir (an absolute part, or {@code ..}). */
    static Path inside(Path dir, String relative) {
        Path base = dir.toAbsolutePath().normalize();
        Path target = base.resolve(relative).normalize();
        if (!target.startsWith(base) || target.equals(base)) {
            throw new Lora4jException("cli", relative + " would be written outside " + dir);
        }
        return target;
    }

    private static boolean same(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
