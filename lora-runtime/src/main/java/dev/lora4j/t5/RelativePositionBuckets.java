package dev.lora4j.t5;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Tensor;

/**
 * T5's relative-position buckets (Mesh TensorFlow's scheme). A relative position is
 * key_position - query_position. Half the buckets hold exact small distances; the rest cover
 * logarithmically wider ranges up to maxDistance, beyond which every distance shares the last
 * bucket. Bidirectional (encoder) bucketing splits the buckets between keys before and after the
 * query; unidirectional (decoder) bucketing only sees keys at or before the query, so later
 * positions fold onto distance 0.
 *
 * <p>The logarithm runs through the same libtorch float32 kernels transformers uses, so a distance on
 * a bucket boundary lands in the same bucket on both sides.
 */
final class RelativePositionBuckets {
    private RelativePositionBuckets() {}

    /**
     * Buckets for queries at positions queryOffset .. queryOffset+queryLength-1 against keys
     * 0 .. keyLength-1: an int64 (queryLength, keyLength) tensor of values in [0, numBuckets).
     */
    static Tensor forPositions(long queryLength, long keyLength, long queryOffset, boolean bidirectional,
                               int numBuckets, int maxDistance, Device device) {
        Tensor queryPositions = Tensor.arange(queryOffset, queryOffset + queryLength, 1, DType.INT64, device)
                .unsqueeze(1); // (Tq, 1)
        Tensor keyPositions = Tensor.arange(0, keyLength, 1, DType.INT64, device).unsqueeze(0); // (1, Tk)
        Tensor relative = keyPositions.sub(queryPositions); // (Tq, Tk)
        return bucket(relative, bidirectional, numBuckets, maxDistance);
    }

    /** relative (any shape, int64) → bucket ids (same shape, int64). */
    static Tensor bucket(Tensor relative, boolean bidirectional, int numBuckets, int maxDistance) {
        Tensor distance;
        Tensor directionOffset = null;
        int buckets = numBuckets;
        if (bidirectional) {
            buckets /= 2;
            // Keys after the query use the upper half of the buckets.
            directionOffset = relative.gt(0).to(DType.INT64).mul(buckets);
            distance = relative.abs();
        } else {
            // Keys after the query cannot be attended to by a decoder; they all fold onto distance 0.
            distance = relative.neg().relu();
        }
        int maxExact = buckets / 2;
        Tensor isSmall = distance.lt(maxExact);
        // log(d / maxExact) / log(maxDistance / maxExact) · (buckets - maxExact), truncated, as transformers
        // writes it; d = 0 gives -inf here, but those positions take the isSmall branch.
        Tensor logBucket = distance.to(DType.FLOAT32)
                .div(maxExact)
                .log()
                .div(Math.log((double) maxDistance / maxExact))
                .mul(buckets - maxExact)
                .to(DType.INT64)
                .add(maxExact);
        Tensor lastBucket = Tensor.full(buckets - 1, DType.INT64, relative.device());
        Tensor large = logBucket.minimum(lastBucket);
        Tensor result = Tensor.where(isSmall, distance, large);
        return directionOffset == null ? result : result.add(directionOffset);
    }
}
