package dev.lora4j.hub;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every event a download reports. */
final class RecordingListener implements DownloadListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> retries = new CopyOnWriteArrayList<>();
    final List<FileResult> done = new CopyOnWriteArrayList<>();
    final Map<String, Long> lastProgress = new ConcurrentHashMap<>();
    final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    volatile List<RepoFile> selected;

    @Override
    public void listed(RepoListing listing, List<RepoFile> files) {
        selected = files;
        events.add("listed " + files.size());
    }

    @Override
    public void checkingExisting(RepoFile file) {
        events.add("checking " + file.path());
    }

    @Override
    public void fileStarted(RepoFile file, long resumeFrom) {
        startedAt.put(file.path(), resumeFrom);
        events.add("started " + file.path() + " at " + resumeFrom);
    }

    @Override
    public void fileProgress(RepoFile file, long bytesOnDisk, long total) {
        Long previous = lastProgress.put(file.path(), bytesOnDisk);
        if (bytesOnDisk > total || previous != null && bytesOnDisk < previous && bytesOnDisk != 0) {
            throw new AssertionError("progress went from " + previous + " to " + bytesOnDisk + " of " + total);
        }
    }

    @Override
    public void fileDone(FileResult result) {
        done.add(result);
        events.add("done " + result.file().path() + " " + result.outcome());
    }

    @Override
    public void retrying(String what, int nextAttempt, int maxAttempts, Duration delay, String reason) {
        retries.add(what + " attempt " + nextAttempt + "/" + maxAttempts + ": " + reason);
    }
}
