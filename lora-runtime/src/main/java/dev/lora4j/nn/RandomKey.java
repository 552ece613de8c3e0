package dev.lora4j.nn;

import java.nio.charset.StandardCharsets;

/**
 * Where a training forward pass stands, as the key of every random stream it draws from: the run's seed, the
 * data-parallel rank, the optimizer step and the micro-batch within it. A random site (one layer's dropout)
 * derives its own seed from the key and its module path, so masks are a pure function of (seed, rank, site,
 * step, micro-batch): no running counter needs saving for a resume to be exact, and each rank draws its own
 * masks.
 *
 * @param seed the run's seed
 * @param rank this process's data-parallel rank (0 when training alone)
 * @param step the optimizer step
 * @param microBatch the micro-batch within the step (gradient accumulation)
 */
public record RandomKey(long seed, int rank, long step, int microBatch) {
    /**
     * A 64-bit seed for the site named path, mixed from every component of the key.
     *
     * @param path a module path such as {@code encoder.block.3}
     * @return the site's seed
     */
    public long derive(String path) {
        long h = mix(seed ^ 0x6C6F7261346A5244L);
        h = mix(h ^ rank);
        h = mix(h ^ step);
        h = mix(h ^ microBatch);
        return mix(h ^ fnv1a(path));
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long fnv1a(String s) {
        long h = 0xCBF29CE484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return h;
    }
}
