package dev.lora4j.t5;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Tensor;

/**
 * The positions of a padded (B, L) batch that a training pass actually computes, for padding-free
 * execution: every position-wise part of a T5 block (layer norms, projections, the feed-forward
 * network, dropout, residual adds, adapters) runs on the kept rows only, packed as (1, N, C), and only
 * attention's core (scores, softmax, the product with the values) runs on the padded (B, H, L, L)
 * layout, where the masks already hide the dropped positions.
 *
 * <p>Dropping a position changes no kept result, because nothing a kept position computes reads it:
 * an encoder padding position is masked as a key in self- and cross-attention, and a decoder position
 * after a row's last label is only a key for later positions (causal), which are dropped too. The
 * loss and every gradient are therefore those of the padded pass (up to float rounding, since GEMMs
 * over fewer rows may sum in another order), and the work of the projections shrinks by the padding
 * fraction (4-8 % of DialogSum's length-bucketed batches).
 */
final class PackedRows {
    private final long batch;
    private final long length;
    private final long rows;
    private final Tensor index; // (N) int64: flat position b·L + t of each kept row, in order
    private final Tensor inverse; // (B·L) int64: each position's row in the packed tensor, N where dropped
    private final Tensor spread; // (B·L) int64: as inverse, but row 0 where dropped (see spread())

    private PackedRows(long batch, long length, long[] kept, long[] inverse, Device device) {
        this.batch = batch;
        this.length = length;
        this.rows = kept.length;
        this.index = Tensor.of(kept, kept.length).to(device);
        this.inverse = Tensor.of(inverse, inverse.length).to(device);
        long[] spread = inverse.clone();
        for (int i = 0; i < spread.length; i++) {
            spread[i] = spread[i] == kept.length ? 0 : spread[i];
        }
        this.spread = Tensor.of(spread, spread.length).to(device);
    }

    /**
     * The encoder's rows: the positions its keep-mask keeps.
     *
     * @param keep (B, S) bool, false at padding
     * @return the layout, or null when nothing would be dropped (or everything would)
     */
    static PackedRows kept(Tensor keep) {
        long batch = keep.size(0);
        long length = keep.size(1);
        long[] flags = keep.to(DType.INT64).toLongArray();
        boolean[] kept = new boolean[flags.length];
        for (int i = 0; i < flags.length; i++) {
            kept[i] = flags[i] != 0;
        }
        return of(batch, length, kept, keep.device());
    }

    /**
     * The decoder's rows under teacher forcing: every position up to each row's last label that is not
     * -100. Ignored labels inside a row stay (later positions attend to them); only the tail goes.
     *
     * @param labels (B, T) int64
     * @return the layout, or null when nothing would be dropped (or everything would)
     */
    static PackedRows upToLastLabel(Tensor labels) {
        long batch = labels.size(0);
        long length = labels.size(1);
        long[] values = labels.toLongArray();
        boolean[] kept = new boolean[values.length];
        for (int b = 0; b < batch; b++) {
            boolean seenLabel = false;
            for (long t = length - 1; t >= 0; t--) {
                int at = Math.toIntExact(b * length + t);
                seenLabel |= values[at] != -100;
                kept[at] = seenLabel;
            }
        }
        return of(batch, length, kept, labels.device());
    }

    private static PackedRows of(long batch, long length, boolean[] kept, Device device) {
        int count = 0;
        for (boolean k : kept) {
            count += k ? 1 : 0;
        }
        if (count == kept.length || count == 0) {
            return null; // nothing to gain, or nothing to compute: the padded pass does it as before
        }
        long[] index = new long[count];
        long[] inverse = new long[kept.length];
        int row = 0;
        for (int i = 0; i < kept.length; i++) {
            inverse[i] = kept[i] ? row : count;
            if (kept[i]) {
                index[row++] = i;
            }
        }
        return new PackedRows(batch, length, index, inverse, device);
    }

    /** N, the number of kept rows. */
    long rows() {
        return rows;
    }

    /** (B, L, C) → (1, N, C): the kept rows, in order. */
    Tensor pack(Tensor padded) {
        long channels = padded.size(2);
        return padded.reshape(batch * length, channels).indexSelect(0, index).unsqueeze(0);
    }

    /** (1, N, C) → (B, L, C), zero at the dropped positions. */
    Tensor unpack(Tensor packed) {
        long channels = packed.size(-1);
        Tensor zeroRow = Tensor.zeros(packed.dtype(), packed.device(), 1, channels);
        Tensor withZero = Tensor.cat(0, packed.reshape(rows, channels), zeroRow); // (N + 1, C)
        return withZero.indexSelect(0, inverse).view(batch, length, channels);
    }

    /**
     * (1, N, C) → (B, L, C) with an arbitrary kept row (the first) copied into every dropped position:
     * one gather instead of unpack's zero row and copy, for attention's inputs, where a dropped position
     * is either a query whose output is packed away again or a key the mask hides (its probability is
     * exactly 0, so neither its value nor its gradient counts).
     */
    Tensor spread(Tensor packed) {
        long channels = packed.size(-1);
        return packed.reshape(rows, channels).indexSelect(0, spread).view(batch, length, channels);
    }

    /** spread for a layout, or x itself without one. */
    static Tensor spread(PackedRows layout, Tensor packed) {
        return layout == null ? packed : layout.spread(packed);
    }

    /** pack for a layout, or x itself without one. */
    static Tensor pack(PackedRows layout, Tensor padded) {
        return layout == null ? padded : layout.pack(padded);
    }

    /** unpack for a layout, or x itself without one. */
    static Tensor unpack(PackedRows layout, Tensor packed) {
        return layout == null ? packed : layout.unpack(packed);
    }
}
