package dev.lora4j.hub;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a response body that has delivered nothing for a while. The JDK's HttpClient has a timeout for
 * the response headers but none between body bytes, so without this a CDN connection that goes silent would
 * block a download forever; closing the stream from another thread wakes the blocked read with an
 * IOException, which the download treats like a dropped connection (it resumes).
 */
final class StallGuard implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "lora4j-hub-stall-guard");
        thread.setDaemon(true);
        return thread;
    });

    private final Closeable body;
    private final long timeoutNanos;
    private volatile ScheduledFuture<?> check; // set right after scheduling; the task tolerates seeing null
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;

    StallGuard(Closeable body, Duration timeout) {
        this.body = body;
        this.timeoutNanos = timeout.toNanos();
        long period = Math.max(10, Math.min(timeout.toMillis() / 4, 1000));
        this.check = TIMER.scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.MILLISECONDS);
    }

    /** Bytes arrived: the clock starts again. */
    void progressed() {
        lastProgress = System.nanoTime();
    }

    /** Whether the body was closed because it stalled. */
    boolean stalled() {
        return stalled;
    }

    private void checkProgress() {
        if (!stalled && System.nanoTime() - lastProgress > timeoutNanos) {
            stalled = true;
            ScheduledFuture<?> self = check;
            if (self != null) {
                self.cancel(false);
            }
            try {
                body.close();
            } catch (IOException ignored) {
                // the reader sees the close either way
            }
        }
    }

    @Override
    public void close() {
        check.cancel(false);
    }
}
