package dev.lora4j.data;

import dev.lora4j.Lora4jException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The order in which examples are grouped into batches, epoch by epoch, as a pure function of
 * (seed, epoch), so a resumed run sees exactly the batches an uninterrupted one would.
 *
 * <p>With shuffling, each epoch permutes the examples, cuts the permutation into windows of
 * {@code batchSize × bucketFactor}, sorts each window by source length (so a batch pads little), cuts
 * it into batches and shuffles the batches. Without shuffling, batches are consecutive examples in
 * file order.
 */
public final class BatchPlan {
    private final int[] sourceLengths;
    private final int batchSize;
    private final boolean shuffle;
    private final int bucketFactor;
    private final long seed;

    /**
     * Plans batches over the given examples; only their source lengths are kept.
     *
     * @param examples     the tokenized training examples; not empty
     * @param batchSize    the number of examples per batch; positive
     * @param shuffle      whether to shuffle (and bucket by length) each epoch, else keep file order
     * @param bucketFactor the number of batches per length-sorted window when shuffling; positive
     * @param seed         the seed that, with the epoch number, fixes every epoch's order
     * @throws dev.lora4j.Lora4jException when there are no examples, or a size is not positive
     */
    public BatchPlan(List<TokenizedExample> examples, int batchSize, boolean shuffle, int bucketFactor, long seed) {
        if (examples.isEmpty()) {
            throw new Lora4jException("data", "no training examples");
        }
        if (batchSize < 1 || bucketFactor < 1) {
            throw new Lora4jException("data", "batch size and bucket factor must be positive");
        }
        this.sourceLengths = examples.stream().mapToInt(e -> e.inputIds().length).toArray();
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.bucketFactor = bucketFactor;
        this.seed = seed;
    }

    /**
     * The number of batches in every epoch; the last may be smaller than the batch size.
     *
     * @return the number of examples divided by the batch size, rounded up
     */
    public int batchesPerEpoch() {
        return (sourceLengths.length + batchSize - 1) / batchSize;
    }

    /**
     * The example indices of every batch of an epoch, in the order they are trained on.
     *
     * @param epoch the epoch number, from 0; each gives its own order
     * @return the batches, each an array of example indices
     */
    public List<int[]> epoch(int epoch) {
        int n = sourceLengths.length;
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        if (!shuffle) {
            return cut(order);
        }
        Random rng = new Random(seed * 1_000_003L + epoch);
        Collections.shuffle(order, rng);
        int window = batchSize * bucketFactor;
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < n; start += window) {
            List<Integer> w = new ArrayList<>(order.subList(start, Math.min(n, start + window)));
            w.sort(Comparator.comparingInt(i -> sourceLengths[i]));
            batches.addAll(cut(w));
        }
        Collections.shuffle(batches, rng);
        return batches;
    }

    private List<int[]> cut(List<Integer> indices) {
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < indices.size(); start += batchSize) {
            batches.add(indices.subList(start, Math.min(indices.size(), start + batchSize)).stream().mapToInt(Integer::intValue).toArray());
        }
        return batches;
    }

    @Override
    public String toString() {
        return "BatchPlan(" + sourceLengths.length + " examples, batch " + batchSize + ", shuffle " + shuffle
                + ", lengths " + Arrays.stream(sourceLengths).summaryStatistics() + ")";
    }
}
