package dev.lora4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Downloads a model repository's files from the hub into a plain directory, resumably and verified:
 * <ol>
 *   <li>list the revision and pin the commit it points to (every file is then fetched from that commit);</li>
 *   <li>select files ({@link FileSelection}); every listed name was already checked to stay inside the directory;</li>
 *   <li>for each file, keep it if it is already in place with the right size and hash; otherwise grow
 *       {@code <dir>/.lora4j-download/<path>.incomplete} (resuming whatever an earlier attempt left), verify the
 *       content hash, and rename it into place atomically.</li>
 * </ol>
 * A failure stops the download with an exception; files completed before it stay, and the next run resumes.
 * A second run over a complete directory transfers nothing ({@link DownloadReport#upToDate()}).
 */
public final class HubDownloader {
    private final HubClient client;

    /**
     * A downloader that talks to the hub through {@code client}.
     *
     * @param client the hub client; not null, and not closed by this downloader
     */
    public HubDownloader(HubClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * Downloads the default T5 selection of {@code repo} at {@code revision} into {@code dir}.
     *
     * @param repo     the repository id, {@code owner/name}
     * @param revision the branch, tag or commit to download
     * @param dir      the directory to download into; created if missing
     * @return what was downloaded and what was already present
     * @throws HubException for anything the hub or the listing got wrong (HTTP errors, hostile names, hash
     *     mismatch)
     * @throws IOException  when the local directory cannot be written
     */
    public DownloadReport download(String repo, String revision, Path dir) throws IOException {
        return download(repo, revision, dir, FileSelection.defaults(), DownloadListener.NONE);
    }

    /**
     * Downloads the selected files of {@code repo} at {@code revision} into {@code dir} (created if missing).
     *
     * @throws HubException for anything the hub or the listing got wrong (HTTP errors, hostile names, hash mismatch)
     * @throws IOException  when the local directory cannot be written
     * @param repo      the repository id, {@code owner/name}
     * @param revision  the branch, tag or commit to download
     * @param dir       the directory to download into
     * @param selection which of the listed files to download; not null
     * @param listener  told about progress; null for none
     * @return what was downloaded and what was already present
     */
    public DownloadReport download(String repo, String revision, Path dir, FileSelection selection, DownloadListener listener)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(selection, "selection");
        DownloadListener events = listener == null ? DownloadListener.NONE : listener;
        RepoListing listing = client.listing(repo, revision, events);
        List<RepoFile> selected = selection.select(listing);
        List<Path> targets = new ArrayList<>(selected.size());
        for (RepoFile file : selected) {
            Path target = RepoPaths.resolveInside(dir, file.path());
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new HubException(file.path() + ": " + target + " is a directory, so the file cannot be put there");
            }
            targets.add(target);
        }
        events.listed(listing, selected);

        List<FileResult> results = new ArrayList<>(selected.size());
        try (StagingArea staging = StagingArea.open(dir)) {
            for (int i = 0; i < selected.size(); i++) {
                RepoFile file = selected.get(i);
                Path target = targets.get(i);
                Path partial = staging.partialFor(file.path());
                FileResult result;
                if (alreadyPresent(file, target, events)) {
                    Files.deleteIfExists(partial); // a leftover from an older, interrupted run of the same file
                    result = new FileResult(file, FileResult.Outcome.ALREADY_PRESENT, 0, 0);
                } else {
                    result = new FileDownload(client, listing.repo(), listing.commit(), file, target, partial, events).run();
                }
                events.fileDone(result);
                results.add(result);
            }
        }
        return new DownloadReport(listing.repo(), listing.revision(), listing.commit(), dir.toAbsolutePath().normalize(), results);
    }

    /** A file of the right size whose content hash matches needs no download. */
    private static boolean alreadyPresent(RepoFile file, Path target, DownloadListener events) throws IOException {
        if (!Files.isRegularFile(target) || Files.size(target) != file.size()) {
            return false;
        }
        events.checkingExisting(file);
        return file.hashAlgorithm().hashFile(target).equals(file.expectedHash());
    }
}
