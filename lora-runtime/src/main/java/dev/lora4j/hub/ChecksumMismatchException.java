package dev.lora4j.hub;

/** A downloaded file's content hash differs from the one the hub published for it. */
public final class ChecksumMismatchException extends HubException {
    /** The file's path inside the repository. */
    private final String path;
    /** The hash that was compared. */
    private final HashAlgorithm algorithm;
    /** The published digest, lower-case hex. */
    private final String expected;
    /** The digest of the received bytes, lower-case hex. */
    private final String actual;

    ChecksumMismatchException(String path, HashAlgorithm algorithm, String expected, String actual) {
        super(path + ": " + algorithm.displayName() + " mismatch: the hub published " + expected + " but the downloaded bytes hash to "
                + actual + "; the partial download was deleted, run again to fetch it afresh");
        this.path = path;
        this.algorithm = algorithm;
        this.expected = expected;
        this.actual = actual;
    }

    /**
     * The file's path inside the repository.
     *
     * @return the repository-relative path
     */
    public String path() {
        return path;
    }

    /**
     * The hash that was compared.
     *
     * @return the hash algorithm
     */
    public HashAlgorithm algorithm() {
        return algorithm;
    }

    /**
     * Lower-case hex digest the hub published.
     *
     * @return the expected digest
     */
    public String expected() {
        return expected;
    }

    /**
     * Lower-case hex digest of the bytes we received.
     *
     * @return the actual digest
     */
    public String actual() {
        return actual;
    }
}
