package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;

/** Truncation and padding shared by the tokenizers, with transformers' rules. */
final class Batching {
    private Batching() {}

    /**
     * Cuts content ids so that, with {@code specialCount} special tokens added, the sequence fits
     * {@code options.maxLength()}; returns the content unchanged when truncation is off.
     */
    static int[] truncateContent(int[] content, int specialCount, EncodeOptions options) {
        if (!options.truncation()) {
            return content;
        }
        int room = options.maxLength() - specialCount;
        if (room < 0) {
            throw new Lora4jException("tokenizer.encode", "maxLength " + options.maxLength()
                    + " leaves no room: the tokenizer adds " + specialCount + " special token(s)");
        }
        if (content.length <= room) {
            return content;
        }
        int[] out = new int[room];
        int from = options.truncationSide() == Side.RIGHT ? 0 : content.length - room;
        System.arraycopy(content, from, out, 0, room);
        return out;
    }

    /** Pads rows as {@code options} say and builds their attention masks. */
    static BatchEncoding pad(int[][] rows, EncodeOptions options, int padId) {
        int target = switch (options.padding()) {
            case NONE -> -1;
            case LONGEST -> longest(rows);
            case MAX_LENGTH -> options.maxLength();
        };
        if (target >= 0 && options.padToMultipleOf() > 0) {
            int m = options.padToMultipleOf();
            target = (target + m - 1) / m * m;
        }
        int[][] ids = new int[rows.length][];
        int[][] mask = new int[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            int[] row = rows[r];
            int length = target < 0 ? row.length : target;
            if (row.length > length) {
                throw new Lora4jException("tokenizer.batch", "row " + r + " has " + row.length
                        + " tokens, more than the padded length " + length + "; enable truncation");
            }
            int padCount = length - row.length;
            int offset = options.paddingSide() == Side.LEFT ? padCount : 0;
            ids[r] = new int[length];
            mask[r] = new int[length];
            java.util.Arrays.fill(ids[r], padId);
            System.arraycopy(row, 0, ids[r], offset, row.length);
            java.util.Arrays.fill(mask[r], offset, offset + row.length, 1);
        }
        return new BatchEncoding(ids, mask);
    }

    private static int longest(int[][] rows) {
        int max = 0;
        for (int[] row : rows) {
            max = Math.max(max, row.length);
        }
        return max;
    }
}
