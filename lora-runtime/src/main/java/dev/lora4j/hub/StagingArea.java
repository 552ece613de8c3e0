package dev.lora4j.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code <dir>/.lora4j-download}: where files grow as {@code <path>.incomplete} until they verify, and where a
 * lock file keeps two downloads from writing into the same directory at once. Partial files outlive a failed
 * run on purpose (the next run resumes them); on close, directories left empty are removed.
 */
final class StagingArea implements AutoCloseable {
    private static final String LOCK_FILE = ".lock";
    private static final String PARTIAL_SUFFIX = ".incomplete";

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StagingArea(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static StagingArea open(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize().resolve(RepoPaths.STAGING_DIR);
        Files.createDirectories(root);
        FileChannel channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new HubException("another download is writing into " + dir.toAbsolutePath()
                    + " (lock held on " + root.resolve(LOCK_FILE) + "); wait for it to finish");
        }
        return new StagingArea(root, channel, lock);
    }

    /** Where {@code repoPath} grows while downloading. */
    Path partialFor(String repoPath) {
        return RepoPaths.resolveInside(root, repoPath + PARTIAL_SUFFIX);
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(root.resolve(LOCK_FILE));
        } finally {
            lock.release();
            lockChannel.close();
        }
        removeEmptyDirectories(root);
    }

    /** Deletes {@code dir} and its subdirectories bottom-up where they hold nothing; returns whether dir went. */
    private static boolean removeEmptyDirectories(Path dir) throws IOException {
        boolean empty = true;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!(Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) && removeEmptyDirectories(entry))) {
                    empty = false;
                }
            }
        }
        if (empty) {
            Files.deleteIfExists(dir);
        }
        return empty;
    }
}
