package dev.lora4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file all at once: readers (and a crash) see either the old complete file or the new
 * complete file, never a half-written one. Checkpoints are written this way because a training run
 * killed mid-save must not destroy the last good checkpoint.
 */
public final class AtomicFiles {
    /** Writes the new content into an open channel; may throw anything, which aborts the replacement. */
    @FunctionalInterface
    public interface ContentWriter {
        /**
         * Writes the whole new content.
         *
         * @param channel the temporary file's channel, open for writing at position 0
         * @throws IOException when writing fails; the replacement is then abandoned
         */
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes {@code <target>.tmp-<random>} in the target's directory (so the rename stays on one file
     * system), fsyncs it, renames it over {@code target} with ATOMIC_MOVE, then fsyncs the directory so
     * the rename itself survives a power loss. On any failure the temporary file is deleted and
     * {@code target} is left exactly as it was.
     *
     * @param target  the file to replace or create; its parent directory must exist
     * @param content writes the new content into the temporary file
     * @throws IOException when the temporary file cannot be written or renamed; {@code target} is then
     *     unchanged
     */
    public static void write(Path target, ContentWriter content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Path tmp = dir.resolve(absolute.getFileName() + ".tmp-" + suffix);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.write(channel);
                channel.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup); // keep the original cause in front
            }
            throw failure;
        }
        syncDirectory(dir);
    }

    /**
     * Writes a whole byte array atomically (small files such as config.json).
     *
     * @param target the file to replace or create; its parent directory must exist
     * @param bytes  the complete new content
     * @throws IOException when the file cannot be written; {@code target} is then unchanged
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void syncDirectory(Path dir) {
        // Linux lets a directory be opened and fsynced; some platforms refuse. The file's own contents are
        // already durable at this point, so a platform that cannot do this only loses the rename on a crash.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort, see above
        }
    }
}
