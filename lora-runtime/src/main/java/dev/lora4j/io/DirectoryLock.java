package dev.lora4j.io;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An exclusive lock on a directory that a command writes into (a finetune run, an eval output), so two
 * processes never interleave their files. The lock is an OS file lock on {@code DIR/.lock} (released by
 * the OS when the holder dies, so a killed run never leaves it stuck); the file also names the holder
 * (process id, host, command, start time), which the refusal quotes. The file stays in place: deleting
 * it would let a third process lock a fresh file while the second still holds the old one.
 */
public final class DirectoryLock implements AutoCloseable {
    /** The name of the lock file inside the locked directory. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks dir (created if missing) for {@code holder} (e.g. "lora4j finetune"), or throws a
     * {@link Lora4jException} naming who holds it.
     *
     * @param dir    the directory to lock
     * @param holder what is taking the lock, written into the lock file for other processes' messages
     * @param option the flag that chose dir, for the advice in the message (e.g. "--out")
     * @return the held lock; close it to release
     * @throws Lora4jException when the lock file cannot be created or locked, or another process holds it
     */
    public static DirectoryLock acquire(Path dir, String holder, String option) {
        Path file = dir.resolve(FILE);
        FileChannel channel;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Lora4jException("lock", "cannot create the lock file " + file + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new Lora4jException("lock", "cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            String current = readHolder(file);
            closeQuietly(channel);
            throw new Lora4jException("lock", dir + " is in use by another lora4j process"
                    + (current.isEmpty() ? "" : " (" + current + ")")
                    + ": wait for it to finish, or choose another " + option);
        }
        try {
            String text = "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", " + holder + ", since "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            // The lock holds regardless; only the description of the holder is missing.
        }
        return new DirectoryLock(channel, lock);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private static String readHolder(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    // Not InetAddress.getLocalHost(): that may wait on DNS.
    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "this host";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to release
        }
    }
}
