package dev.lora4j.hub;

import java.time.Duration;
import java.util.List;

/**
 * Progress of a download, for a progress bar or a log. Called on the downloading thread; an exception
 * thrown here aborts the download (partial files stay and a later run resumes them).
 */
public interface DownloadListener {
    /** A listener that ignores every event. */
    DownloadListener NONE = new DownloadListener() {};

    /**
     * The revision was listed and these files selected.
     *
     * @param listing  the revision's complete listing, with the commit it resolved to
     * @param selected the files that will be downloaded or checked, in order
     */
    default void listed(RepoListing listing, List<RepoFile> selected) {}

    /**
     * A file already in place is being hashed to decide whether it can be kept (takes a while for big files).
     *
     * @param file the file being checked
     */
    default void checkingExisting(RepoFile file) {}

    /**
     * A transfer starts; {@code resumeFrom} bytes are already on disk from an interrupted attempt.
     *
     * @param file       the file being transferred
     * @param resumeFrom the number of bytes already on disk; 0 for a fresh start
     */
    default void fileStarted(RepoFile file, long resumeFrom) {}

    /**
     * {@code bytesOnDisk} of {@code total} bytes of the file are now written.
     *
     * @param file        the file being transferred
     * @param bytesOnDisk the number of bytes written so far, resumed ones included
     * @param total       the file's full size in bytes
     */
    default void fileProgress(RepoFile file, long bytesOnDisk, long total) {}

    /**
     * A file is complete: verified and in place, or found already present.
     *
     * @param result the file and how it ended up in place
     */
    default void fileDone(FileResult result) {}

    /**
     * A request failed transiently and will be tried again after {@code delay}.
     *
     * @param what        the request being retried, for messages
     * @param nextAttempt the number of the coming attempt, from 2
     * @param maxAttempts the most attempts that will be made
     * @param delay       how long the client waits before the next attempt
     * @param reason      why the last attempt failed
     */
    default void retrying(String what, int nextAttempt, int maxAttempts, Duration delay, String reason) {}
}
