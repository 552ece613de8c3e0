package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;

/**
 * Encoded texts with their attention masks (1 for a real token, 0 for padding). Rows all have the
 * same length unless the batch was encoded with {@link Padding#NONE}. Accessors return copies, so
 * an instance is immutable.
 */
public final class BatchEncoding {
    private final int[][] inputIds;
    private final int[][] attentionMask;

    BatchEncoding(int[][] inputIds, int[][] attentionMask) {
        this.inputIds = inputIds;
        this.attentionMask = attentionMask;
    }

    /**
     * The number of encoded texts.
     *
     * @return the number of rows
     */
    public int size() {
        return inputIds.length;
    }

    /**
     * The common row length, or -1 when rows differ (only possible without padding).
     *
     * @return the row length in tokens, -1 when rows differ, or 0 for an empty batch
     */
    public int sequenceLength() {
        if (inputIds.length == 0) {
            return 0;
        }
        int length = inputIds[0].length;
        for (int[] row : inputIds) {
            if (row.length != length) {
                return -1;
            }
        }
        return length;
    }

    /**
     * The token ids, one row per text.
     *
     * @return a deep copy of the ids
     */
    public int[][] inputIds() {
        return deepCopy(inputIds);
    }

    /**
     * The attention masks, one row per text: 1 for a real token, 0 for padding.
     *
     * @return a deep copy of the masks
     */
    public int[][] attentionMask() {
        return deepCopy(attentionMask);
    }

    /**
     * The token ids of one text.
     *
     * @param row the text's index, in [0, size())
     * @return a copy of that row's ids
     */
    public int[] inputIds(int row) {
        return inputIds[row].clone();
    }

    /**
     * The attention mask of one text: 1 for a real token, 0 for padding.
     *
     * @param row the text's index, in [0, size())
     * @return a copy of that row's mask
     */
    public int[] attentionMask(int row) {
        return attentionMask[row].clone();
    }

    /**
     * The ids row-major as one array of {@code size() * sequenceLength()}, ready for a [batch, seq] tensor.
     *
     * @return a new array of {@code size() * sequenceLength()} ids
     * @throws dev.lora4j.Lora4jException when rows differ in length (the batch was not padded)
     */
    public int[] flatInputIds() {
        return flatten(inputIds);
    }

    /**
     * The attention mask row-major, like {@link #flatInputIds()}.
     *
     * @return a new array of {@code size() * sequenceLength()} mask values
     * @throws dev.lora4j.Lora4jException when rows differ in length (the batch was not padded)
     */
    public int[] flatAttentionMask() {
        return flatten(attentionMask);
    }

    private int[] flatten(int[][] rows) {
        int length = sequenceLength();
        if (length < 0) {
            throw new Lora4jException("tokenizer.batch",
                    "rows have different lengths (encoded without padding); pad the batch to flatten it");
        }
        int[] out = new int[rows.length * length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * length, length);
        }
        return out;
    }

    private static int[][] deepCopy(int[][] rows) {
        int[][] out = new int[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = rows[r].clone();
        }
        return out;
    }
}
