package dev.lora4j.data;

/**
 * What a command does with the examples of a file, which decides how rows become examples. Only
 * evaluation merges rows of the same dialogue (multi-reference ROUGE needs every reference of a dialogue
 * in one example); training keeps every (dialogue, summary) pair, and generation every row.
 */
public enum DataUse {
    /** One example per (dialogue, summary) pair: no reference is lost. */
    TRAIN,
    /** Rows of the same dialogue merged into one example with all their references. */
    EVALUATE,
    /** Every row as read, one output per row; summaries are not required. */
    GENERATE
}
