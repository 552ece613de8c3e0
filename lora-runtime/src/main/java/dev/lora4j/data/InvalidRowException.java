package dev.lora4j.data;

/**
 * A row that cannot become an example. Internal: the {@link RowCollector} turns it into a
 * {@link dev.lora4j.Lora4jException} or a {@link SkippedRow}, depending on the policy.
 */
final class InvalidRowException extends Exception {
    InvalidRowException(String reason) {
        super(reason);
    }
}
