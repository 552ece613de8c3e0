package dev.lora4j.hub;

/**
 * One file of a repository revision as the hub lists it.
 *
 * @param path      the file's path inside the repository, '/'-separated, already checked to stay inside it
 * @param size      its size in bytes
 * @param blobId    git's blob id (for LFS files, the id of the pointer file)
 * @param lfsSha256 the SHA-256 of the content for files stored in LFS, or null for files stored in git
 */
public record RepoFile(String path, long size, String blobId, String lfsSha256) {
    /**
     * Whether the file is stored in LFS.
     *
     * @return true when the listing gave an LFS SHA-256
     */
    public boolean isLfs() {
        return lfsSha256 != null;
    }

    /**
     * The hash that verifies the content: SHA-256 for LFS files, the git blob SHA-1 otherwise.
     *
     * @return the algorithm of {@link #expectedHash()}
     */
    public HashAlgorithm hashAlgorithm() {
        return isLfs() ? HashAlgorithm.SHA256 : HashAlgorithm.GIT_BLOB_SHA1;
    }

    /**
     * The lower-case hex digest the content must have.
     *
     * @return {@link #lfsSha256()} for LFS files, else {@link #blobId()}
     */
    public String expectedHash() {
        return isLfs() ? lfsSha256 : blobId;
    }

    /**
     * The last path segment, e.g. "model.safetensors".
     *
     * @return the file name without folders
     */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
