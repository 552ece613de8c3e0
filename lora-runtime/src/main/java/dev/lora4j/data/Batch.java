package dev.lora4j.data;

import java.util.List;

/**
 * A padded batch on the host: input ids padded with the pad id and a 0/1 attention mask, labels padded
 * with -100 (ignored by the loss), each to the longest sequence of the batch (dynamic padding). Plain
 * arrays: {@code dev.lora4j.train.BatchTensors} turns them into tensors.
 *
 * @param inputIds      the source ids, {@code size} rows of {@code sourceLength}, row-major
 * @param attentionMask 1 for a real source token, 0 for padding; same layout as {@code inputIds}
 * @param labels        the target ids, {@code size} rows of {@code targetLength}, padded with
 *     {@link #IGNORE_INDEX}
 * @param size          the number of examples
 * @param sourceLength  the longest source in the batch, in tokens
 * @param targetLength  the longest target in the batch, in tokens
 */
public record Batch(long[] inputIds, long[] attentionMask, long[] labels, int size, int sourceLength, int targetLength) {
    /** The label value the loss ignores, as in PyTorch's cross-entropy. */
    public static final long IGNORE_INDEX = -100;

    /**
     * Pads tokenized examples into one batch.
     *
     * @param examples the examples, in batch order
     * @param padId    the tokenizer's pad id, used to fill the source rows
     * @return the padded batch
     */
    public static Batch of(List<TokenizedExample> examples, int padId) {
        int b = examples.size();
        int s = examples.stream().mapToInt(e -> e.inputIds().length).max().orElse(1);
        int t = examples.stream().mapToInt(e -> e.labels().length).max().orElse(1);
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        long[] labels = new long[b * t];
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(labels, IGNORE_INDEX);
        for (int i = 0; i < b; i++) {
            int[] in = examples.get(i).inputIds();
            for (int j = 0; j < in.length; j++) {
                ids[i * s + j] = in[j];
                mask[i * s + j] = 1;
            }
            int[] lab = examples.get(i).labels();
            for (int j = 0; j < lab.length; j++) {
                labels[i * t + j] = lab[j];
            }
        }
        return new Batch(ids, mask, labels, b, s, t);
    }

    /**
     * Target tokens that count in the loss.
     *
     * @return the number of labels that are not {@link #IGNORE_INDEX}
     */
    public long labelTokens() {
        long n = 0;
        for (long l : labels) {
            if (l != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    /**
     * Source tokens that are not padding.
     *
     * @return the number of ones in the attention mask
     */
    public long sourceTokens() {
        long n = 0;
        for (long m : attentionMask) {
            n += m;
        }
        return n;
    }
}
