package dev.lora4j.io;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The temporary files {@link AtomicFiles} leaves behind when a process is killed between writing
 * {@code <name>.tmp-<16 hex digits>} and renaming it: they are never read, and would pile up in a run
 * directory that is resumed again and again. Only safe while the caller holds the directory's
 * {@link DirectoryLock} (another process may be writing one).
 */
public final class StaleTemporaries {
    private static final Pattern NAME = Pattern.compile(".+\\.tmp-[0-9a-f]{16}");
    private static final int DEPTH = 4; // run/final/x, run/checkpoints/step-N/weights/x

    private StaleTemporaries() {}

    /**
     * Deletes the stale temporary files under dir; returns how many went.
     *
     * @param dir the run directory, searched four levels deep; a missing directory removes nothing
     * @return the number of files deleted
     * @throws Lora4jException when the directory cannot be walked or a file cannot be deleted
     */
    public static int remove(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> stale;
        try (Stream<Path> walk = Files.walk(dir, DEPTH)) {
            stale = walk.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).filter(Files::isRegularFile).toList();
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new Lora4jException("io", "cannot remove stale temporary files in " + dir + ": " + e.getMessage(), e);
        }
        return stale.size();
    }
}
