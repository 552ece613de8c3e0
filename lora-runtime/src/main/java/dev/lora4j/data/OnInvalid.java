package dev.lora4j.data;

/** What a reader does with a row it cannot turn into a {@link DialogueExample}. */
public enum OnInvalid {
    /** Throw a {@link dev.lora4j.Lora4jException} naming the file, line and problem (the default). */
    FAIL,
    /** Leave the row out and record its line and problem in the {@link LoadReport}. */
    SKIP
}
