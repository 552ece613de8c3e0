package dev.lora4j.examples.report;

/** What a {@link TaskProgress} counts: items (examples, steps) or bytes (shown as KiB, MiB, GiB). */
public enum ProgressUnit {
    COUNT,
    BYTES
}
