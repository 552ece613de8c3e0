package dev.lora4j.hub;

/** A downloaded file's content hash differs from the one the hub published for it. */
public final class ChecksumMismatchException extends HubException {
    private final String path;
    private final HashAlgorithm algorithm;
    private final String expected;
    private final String actual;

    ChecksumMismatchException(String path, HashAlgorithm algorithm, String expected, String actual) {
        super(path + ": " + algorithm.displayName() + " mismatch: the hub published " + expected + " but the downloaded bytes hash to "
                + actual + "; the partial download was deleted, run again to fetch it afresh");
        this.path = path;
        this.algorithm = algorithm;
        this.expected = expected;
        this.actual = actual;
    }

    /** The file's path inside the repository. */
    public String path() {
        return path;
    }

    public HashAlgorithm algorithm() {
        return algorithm;
    }

    /** Lower-case hex digest the hub published. */
    public String expected() {
        return expected;
    }

    /** Lower-case hex digest of the bytes we received. */
    public String actual() {
        return actual;
    }
}
