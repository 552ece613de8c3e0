package dev.lora4j.hub;

import java.nio.file.Path;
import java.util.List;

/**
 * The result of {@link HubDownloader#download}: every selected file, in listing order, with what was done.
 *
 * @param repo     the repository id, {@code owner/name}
 * @param revision the revision that was asked for (branch, tag or commit)
 * @param commit   the commit the files were taken from
 * @param dir      the directory they are in
 * @param files    every selected file with its outcome, in listing order
 */
public record DownloadReport(String repo, String revision, String commit, Path dir, List<FileResult> files) {
    /** Copies the file results into an unmodifiable list. */
    public DownloadReport {
        files = List.copyOf(files);
    }

    /**
     * Files fetched in this run, from scratch or resumed.
     *
     * @return the number of files transferred, fully or in part
     */
    public long fetched() {
        return files.stream().filter(f -> f.outcome() != FileResult.Outcome.ALREADY_PRESENT).count();
    }

    /**
     * Files completed from a partial download.
     *
     * @return the number of resumed files
     */
    public long resumed() {
        return count(FileResult.Outcome.RESUMED);
    }

    /**
     * Files that were already in place and verified.
     *
     * @return the number of files left as they were
     */
    public long skipped() {
        return count(FileResult.Outcome.ALREADY_PRESENT);
    }

    /**
     * Bytes received over the network in this run.
     *
     * @return the number of bytes downloaded, resumed bytes already on disk excluded
     */
    public long bytesTransferred() {
        return files.stream().mapToLong(FileResult::bytesTransferred).sum();
    }

    /**
     * Total size of the selected files.
     *
     * @return the sum of the listed sizes of the selected files, in bytes
     */
    public long totalBytes() {
        return files.stream().mapToLong(f -> f.file().size()).sum();
    }

    /**
     * True when every file was already present: the run changed nothing.
     *
     * @return whether nothing was fetched
     */
    public boolean upToDate() {
        return skipped() == files.size();
    }

    private long count(FileResult.Outcome outcome) {
        return files.stream().filter(f -> f.outcome() == outcome).count();
    }
}
