package dev.lora4j;

/**
 * The one unchecked exception family of lora4j. It names the operation that failed and carries the
 * underlying message (libtorch's, for native ops) unchanged, so a user can search for it.
 */
public class Lora4jException extends RuntimeException {
    private final String op;

    public Lora4jException(String op, String message) {
        super(op + ": " + message);
        this.op = op;
    }

    public Lora4jException(String op, String message, Throwable cause) {
        super(op + ": " + message, cause);
        this.op = op;
    }

    /** The operation that failed, e.g. {@code "matmul"} or {@code "safetensors"}. */
    public String op() {
        return op;
    }
}
