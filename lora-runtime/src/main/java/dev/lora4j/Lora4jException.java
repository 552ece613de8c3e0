package dev.lora4j;

/**
 * The one unchecked exception family of lora4j. It names the operation that failed and carries the
 * underlying message (libtorch's, for native ops) unchanged, so a user can search for it.
 */
public class Lora4jException extends RuntimeException {
    /** The name of the operation that failed. */
    private final String op;

    /**
     * An exception whose message reads "op: message".
     *
     * @param op the name of the operation that failed, e.g. {@code "matmul"}
     * @param message what went wrong
     */
    public Lora4jException(String op, String message) {
        super(op + ": " + message);
        this.op = op;
    }

    /**
     * An exception whose message reads "op: message", with the error that caused it.
     *
     * @param op the name of the operation that failed, e.g. {@code "matmul"}
     * @param message what went wrong
     * @param cause the underlying error
     */
    public Lora4jException(String op, String message, Throwable cause) {
        super(op + ": " + message, cause);
        this.op = op;
    }

    /**
     * The operation that failed, e.g. {@code "matmul"} or {@code "safetensors"}.
     *
     * @return the op name given to the constructor
     */
    public String op() {
        return op;
    }
}
