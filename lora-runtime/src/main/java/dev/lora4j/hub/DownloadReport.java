package dev.lora4j.hub;

import java.nio.file.Path;
import java.util.List;

/**
 * The result of {@link HubDownloader#download}: every selected file, in listing order, with what was done.
 *
 * @param commit the commit the files were taken from
 * @param dir    the directory they are in
 */
public record DownloadReport(String repo, String revision, String commit, Path dir, List<FileResult> files) {
    public DownloadReport {
        files = List.copyOf(files);
    }

    /** Files fetched in this run, from scratch or resumed. */
    public long fetched() {
        return files.stream().filter(f -> f.outcome() != FileResult.Outcome.ALREADY_PRESENT).count();
    }

    /** Files completed from a partial download. */
    public long resumed() {
        return count(FileResult.Outcome.RESUMED);
    }

    /** Files that were already in place and verified. */
    public long skipped() {
        return count(FileResult.Outcome.ALREADY_PRESENT);
    }

    /** Bytes received over the network in this run. */
    public long bytesTransferred() {
        return files.stream().mapToLong(FileResult::bytesTransferred).sum();
    }

    /** Total size of the selected files. */
    public long totalBytes() {
        return files.stream().mapToLong(f -> f.file().size()).sum();
    }

    /** True when every file was already present: the run changed nothing. */
    public boolean upToDate() {
        return skipped() == files.size();
    }

    private long count(FileResult.Outcome outcome) {
        return files.stream().filter(f -> f.outcome() == outcome).count();
    }
}
