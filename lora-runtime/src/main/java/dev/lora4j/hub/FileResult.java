package dev.lora4j.hub;

/**
 * What happened to one selected file.
 *
 * @param file             the file as listed
 * @param outcome          how the file came to be in place
 * @param bytesTransferred bytes received over the network for it in this run (a restart counts twice)
 * @param resumedFrom      bytes that were already on disk from an interrupted attempt when it started
 */
public record FileResult(RepoFile file, Outcome outcome, long bytesTransferred, long resumedFrom) {
    /** How the file came to be in place. */
    public enum Outcome {
        /** Fetched from the start. */
        DOWNLOADED,
        /** Completed from a partial download left by an interrupted attempt (this run's or an earlier one's). */
        RESUMED,
        /** Already in place with the right size and hash: nothing was fetched. */
        ALREADY_PRESENT
    }
}
