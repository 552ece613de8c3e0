package dev.lora4j.hub;

import java.time.Duration;
import java.util.List;

/**
 * Progress of a download, for a progress bar or a log. Called on the downloading thread; an exception
 * thrown here aborts the download (partial files stay and a later run resumes them).
 */
public interface DownloadListener {
    DownloadListener NONE = new DownloadListener() {};

    /** The revision was listed and these files selected. */
    default void listed(RepoListing listing, List<RepoFile> selected) {}

    /** A file already in place is being hashed to decide whether it can be kept (takes a while for big files). */
    default void checkingExisting(RepoFile file) {}

    /** A transfer starts; {@code resumeFrom} bytes are already on disk from an interrupted attempt. */
    default void fileStarted(RepoFile file, long resumeFrom) {}

    /** {@code bytesOnDisk} of {@code total} bytes of the file are now written. */
    default void fileProgress(RepoFile file, long bytesOnDisk, long total) {}

    /** A file is complete: verified and in place, or found already present. */
    default void fileDone(FileResult result) {}

    /** A request failed transiently and will be tried again after {@code delay}. */
    default void retrying(String what, int nextAttempt, int maxAttempts, Duration delay, String reason) {}
}
