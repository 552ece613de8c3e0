package dev.lora4j.data;

/**
 * One training example as ids: the prompt (ending in {@code </s>}) and the target summary (ending in
 * {@code </s>}), both already truncated to the configured maximum lengths.
 */
public record TokenizedExample(String id, int[] inputIds, int[] labels) {}
