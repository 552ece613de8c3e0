package dev.lora4j.hub;

import java.util.List;
import java.util.Optional;

/**
 * The files of one repository revision.
 *
 * @param repo     repository id, e.g. "google/flan-t5-small"
 * @param revision the revision asked for (branch, tag or commit)
 * @param commit   the commit that revision pointed to when listed; files are fetched from this commit so
 *                 that a push during a download cannot mix two revisions
 * @param files    every file of the revision, in listing order
 */
public record RepoListing(String repo, String revision, String commit, List<RepoFile> files) {
    /** Copies the files into an unmodifiable list. */
    public RepoListing {
        files = List.copyOf(files);
    }

    /**
     * Finds a file by path.
     *
     * @param path the file's path inside the repository, '/'-separated
     * @return the file, or empty when the revision has no such file
     */
    public Optional<RepoFile> find(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }
}
