package dev.lora4j.data;

import java.util.List;

/**
 * A padded batch on the host: input ids padded with the pad id and a 0/1 attention mask, labels padded
 * with -100 (ignored by the loss), each to the longest sequence of the batch (dynamic padding). Plain
 * arrays: {@code dev.lora4j.train.BatchTensors} turns them into tensors.
 */
public record Batch(long[] inputIds, long[] attentionMask, long[] labels, int size, int sourceLength, int targetLength) {
    public static final long IGNORE_INDEX = -100;

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

    /** Target tokens that count in the loss. */
    public long labelTokens() {
        long n = 0;
        for (long l : labels) {
            if (l != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    public long sourceTokens() {
        long n = 0;
        for (long m : attentionMask) {
            n += m;
        }
        return n;
    }
}
