package dev.lora4j.t5;

import dev.lora4j.tensor.Tensor;

/**
 * What an incremental decoder keeps between steps: each decoder block's self-attention keys and
 * values for the tokens so far, and its cross-attention keys and values of the encoder output, which
 * are computed once per sequence. Self-attention buffers are allocated for the longest decode up
 * front and written in place, so a step allocates nothing that outlives it.
 *
 * <p>A step writes every block's new key/value at {@link #length()} (via {@link #append}), reads
 * positions 0..length, then {@link #advance()}s. Beam search reorders rows with {@link #reorder}.
 */
final class T5KeyValueCache implements AutoCloseable {
    private final Tensor[] selfKeys; // per block (N, H, P + maxLength, d_kv), the block's prefix first
    private final Tensor[] selfValues; // per block (N, H, P + maxLength, d_kv)
    private final int[] prefixLengths; // per block: P, the self-attention prefix held before the tokens
    private final int[] queryOffsets; // per block: where token 0's query sits in the position bias (P or 0)
    private final Tensor[] crossKeys; // per block (N, H, P' + S, d_kv)
    private final Tensor[] crossValues; // per block (N, H, P' + S, d_kv)
    private final Tensor[] crossBias; // per block (N, 1, 1, P' + S) encoder padding, additive (may be shared)
    private final int maxLength;
    private int length;

    T5KeyValueCache(Tensor[] selfKeys, Tensor[] selfValues, int[] prefixLengths, int[] queryOffsets, Tensor[] crossKeys,
                    Tensor[] crossValues, Tensor[] crossBias, int maxLength) {
        this.selfKeys = selfKeys;
        this.selfValues = selfValues;
        this.prefixLengths = prefixLengths;
        this.queryOffsets = queryOffsets;
        this.crossKeys = crossKeys;
        this.crossValues = crossValues;
        this.crossBias = crossBias;
        this.maxLength = maxLength;
    }

    /** Tokens whose keys and values are cached (the position of the token being decoded). */
    int length() {
        return length;
    }

    /** The self-attention prefix length of a block (0 without one). */
    int prefixLength(int layer) {
        return prefixLengths[layer];
    }

    /** Where the block's token 0 sits as a query in the position bias: P after a PEFT-style prefix, else 0. */
    int queryOffset(int layer) {
        return queryOffsets[layer];
    }

    int maxLength() {
        return maxLength;
    }

    /** Writes a block's key and value (N, H, 1, d_kv) for the token at position {@link #length()}. */
    void append(int layer, Tensor key, Tensor value) {
        if (length >= maxLength) {
            throw new IllegalStateException("decoder cache is full (" + maxLength + " positions)");
        }
        selfKeys[layer].narrow(2, prefixLengths[layer] + length, 1).copyFrom(key);
        selfValues[layer].narrow(2, prefixLengths[layer] + length, 1).copyFrom(value);
    }

    /** (N, H, P+length+1, d_kv): the prefix and the cached keys, including the one appended this step. */
    Tensor selfKeys(int layer) {
        return selfKeys[layer].narrow(2, 0, prefixLengths[layer] + length + 1);
    }

    /** (N, H, P+length+1, d_kv) */
    Tensor selfValues(int layer) {
        return selfValues[layer].narrow(2, 0, prefixLengths[layer] + length + 1);
    }

    /** (N, H, S, d_kv) */
    Tensor crossKeys(int layer) {
        return crossKeys[layer];
    }

    /** (N, H, S, d_kv) */
    Tensor crossValues(int layer) {
        return crossValues[layer];
    }

    /** (N, 1, 1, P'+S) */
    Tensor crossBias(int layer) {
        return crossBias[layer];
    }

    /** Ends a step: the token just decoded is now cached. */
    void advance() {
        length++;
    }

    /**
     * Row i becomes old row index[i] (beam search continuing from other beams). Only the
     * self-attention rows move: beam search picks a row's new beam among its own sequence's beams,
     * whose cross-attention rows were computed from the same encoder row and are identical, so
     * moving them (the larger part of the cache: S source positions against the few decoded ones)
     * would copy equal values over each other. A prefix moves with its row, like the tokens after it.
     */
    void reorder(Tensor index) {
        for (int layer = 0; layer < selfKeys.length; layer++) {
            reorderRows(selfKeys[layer].narrow(2, 0, prefixLengths[layer] + length), index);
            reorderRows(selfValues[layer].narrow(2, 0, prefixLengths[layer] + length), index);
        }
    }

    private static void reorderRows(Tensor buffer, Tensor index) {
        buffer.copyFrom(buffer.indexSelect(0, index));
    }

    @Override
    public void close() {
        for (Tensor[] group : new Tensor[][] {selfKeys, selfValues, crossKeys, crossValues, crossBias}) {
            for (Tensor t : group) {
                t.close(); // idempotent: layers may share one bias
            }
        }
    }
}
