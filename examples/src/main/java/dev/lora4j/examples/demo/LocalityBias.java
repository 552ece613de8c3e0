package dev.lora4j.examples.demo;

import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Starts a fresh T5's relative attention biases with a preference for nearby positions, as ALiBi does
 * (bias = -slope × distance, one slope per head, the last head global), instead of near-zero noise.
 *
 * <p>Why: T5 learns position only through these biases. With its usual initialisation a tiny model
 * sees its input almost as a bag of bytes at first, and in a few hundred steps it never learns to spell;
 * LoRA then cannot help, because the biases are not linear layers and stay frozen. Starting local
 * gives the byte-level model word structure from step one. The biases still train in pretraining.
 */
final class LocalityBias {
    private LocalityBias() {}

    /** Overwrites the encoder's and the decoder's relative attention bias tables. */
    static void apply(T5ForConditionalGeneration model) {
        T5Config c = model.config();
        try (var noGrad = Autograd.noGrad()) {
            write(model, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", c, true);
            write(model, "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", c, false);
        }
    }

    private static void write(T5ForConditionalGeneration model, String name, T5Config c, boolean bidirectional) {
        int buckets = c.relativeAttentionNumBuckets();
        int heads = c.numHeads();
        double[] distance = bucketDistances(buckets, c.relativeAttentionMaxDistance(), bidirectional);
        float[] table = new float[buckets * heads];
        for (int b = 0; b < buckets; b++) {
            for (int h = 0; h < heads; h++) {
                table[b * heads + h] = (float) (-slope(h, heads) * distance[b]);
            }
        }
        Tensor weight = model.namedParameters().get(name);
        try (Tensor values = Tensor.of(table, buckets, heads)) {
            weight.copyFrom(values);
        }
    }

    /** Head h of n: slopes 1, 1/4, 1/16, ... and 0 for the last head, which sees the whole sequence. */
    static double slope(int head, int heads) {
        return head == heads - 1 ? 0 : Math.pow(4, -head);
    }

    /**
     * The smallest distance that T5's bucketing puts into each bucket (transformers'
     * _relative_position_bucket, one position at a time); buckets never reached get the largest distance.
     */
    static double[] bucketDistances(int numBuckets, int maxDistance, boolean bidirectional) {
        double[] distance = new double[numBuckets];
        Arrays.fill(distance, -1);
        int range = 4 * maxDistance;
        for (int relative = -range; relative <= range; relative++) {
            int b = bucket(relative, bidirectional, numBuckets, maxDistance);
            int d = Math.abs(relative);
            if (distance[b] < 0 || d < distance[b]) {
                distance[b] = d;
            }
        }
        for (int b = 0; b < numBuckets; b++) {
            if (distance[b] < 0) {
                distance[b] = range;
            }
        }
        return distance;
    }

    /** T5's bucket of a relative position (key position - query position). */
    static int bucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
        int buckets = numBuckets;
        int offset = 0;
        int n;
        if (bidirectional) {
            buckets /= 2;
            offset = relative > 0 ? buckets : 0;
            n = Math.abs(relative);
        } else {
            n = Math.max(-relative, 0);
        }
        int maxExact = buckets / 2;
        if (n < maxExact) {
            return offset + n;
        }
        int large = maxExact + (int) (Math.log((double) n / maxExact) / Math.log((double) maxDistance / maxExact)
                * (buckets - maxExact));
        return offset + Math.min(large, buckets - 1);
    }
}
