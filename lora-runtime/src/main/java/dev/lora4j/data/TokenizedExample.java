package dev.lora4j.data;

/**
 * One training example as ids: the prompt (ending in {@code </s>}) and the target summary (ending in
 * {@code </s>}), both already truncated to the configured maximum lengths.
 *
 * @param id       the source row's identifier
 * @param inputIds the source token ids: the prompt around the dialogue, ending in {@code </s>}
 * @param labels   the target token ids: the summary, ending in {@code </s>}
 */
public record TokenizedExample(String id, int[] inputIds, int[] labels) {}
