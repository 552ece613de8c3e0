package dev.lora4j.hub;

import dev.lora4j.Lora4jException;

/**
 * A download from the Hugging Face Hub failed: the server answered something we cannot use, a file did not
 * verify, or the listing was hostile. The operation name is always {@code "hub"}; the message names the
 * repository or file and says what to do where there is something to do.
 */
public class HubException extends Lora4jException {
    /**
     * A failure with no underlying cause.
     *
     * @param message what went wrong and, where possible, what to do
     */
    public HubException(String message) {
        super("hub", message);
    }

    /**
     * A failure caused by another exception.
     *
     * @param message what went wrong and, where possible, what to do
     * @param cause   the underlying exception
     */
    public HubException(String message, Throwable cause) {
        super("hub", message, cause);
    }
}
