package dev.lora4j.peft.lora;

import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.Lora4jException;
import dev.lora4j.internal.Native;
import dev.lora4j.internal.TensorHandles;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The fused LoRA op of the native layer: y = x·Wᵀ + b + s·(D(x)·Aᵀ)·Bᵀ with dropout D drawn from
 * Philox4x32-10 at (seed, offset) and regenerated in backward rather than stored.
 */
public final class LoraOps {
    private LoraOps() {}

    /**
     * One adapter. x (..., in), w (out, in), bias (out) or null, a (r, in), b (out, r); returns (..., out).
     * With training false or p = 0 no dropout is applied.
     *
     * @param x the input, shape (..., in)
     * @param w the frozen base weight, shape (out, in)
     * @param bias the base bias, shape (out), or null for none
     * @param a the LoRA down-projection A, shape (r, in)
     * @param b the LoRA up-projection B, shape (out, r)
     * @param scale the factor s applied to the LoRA branch (typically alpha / r)
     * @param p the dropout probability on the LoRA input, in [0, 1)
     * @param seed the Philox seed of the dropout mask
     * @param offset the Philox counter offset of the dropout mask
     * @param training whether dropout is applied
     * @return a new tensor of shape (..., out), owned by the caller (or the current scope)
     */
    public static Tensor loraLinear(Tensor x, Tensor w, Tensor bias, Tensor a, Tensor b, double scale, double p,
                                    long seed, long offset, boolean training) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_lora_linear(TensorHandles.of(x), TensorHandles.of(w), bias == null ? MemorySegment.NULL : TensorHandles.of(bias),
                    TensorHandles.of(a), TensorHandles.of(b), scale, p, seed, offset, training ? 1 : 0, out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * The adapter alone over a base output computed elsewhere: y (..., out) + s·(D(x)·Aᵀ)·Bᵀ for
     * x (..., in), a (r, in), b (out, r). The gradient of y passes through.
     *
     * @param y the base output, shape (..., out)
     * @param x the input, shape (..., in)
     * @param a the LoRA down-projection A, shape (r, in)
     * @param b the LoRA up-projection B, shape (out, r)
     * @param scale the factor s applied to the LoRA branch
     * @param p the dropout probability on x, in [0, 1)
     * @param seed the Philox seed of the dropout mask
     * @param offset the Philox counter offset of the dropout mask
     * @param training whether dropout is applied
     * @return a new tensor of shape (..., out), owned by the caller (or the current scope)
     */
    public static Tensor loraAdd(Tensor y, Tensor x, Tensor a, Tensor b, double scale, double p, long seed, long offset,
                                 boolean training) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_lora_add(TensorHandles.of(y), TensorHandles.of(x), TensorHandles.of(a), TensorHandles.of(b), scale, p, seed, offset,
                    training ? 1 : 0, out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * One LoRA adapter of a grouped call.
     *
     * @param a the down-projection A, shape (r, in)
     * @param b the up-projection B, shape (out_j, r)
     * @param scale the factor applied to this adapter's output
     */
    public record Adapter(Tensor a, Tensor b, double scale) {}

    /**
     * Several adapters reading the same x over one packed base weight (Σ out_j, in): adapter j adds to
     * output columns [o_j, o_j + out_j) in order, with its own dropout mask (offset + j·numel(x)).
     *
     * @param x the shared input, shape (..., in)
     * @param packedWeight the base weights of all adapters stacked by rows, shape (Σ out_j, in)
     * @param packedBias the stacked base biases, shape (Σ out_j), or null for none
     * @param adapters the adapters in output-column order; not empty
     * @param p the dropout probability on x, in [0, 1)
     * @param seed the Philox seed of the dropout masks
     * @param offset the Philox counter offset of adapter 0's mask
     * @param training whether dropout is applied
     * @return a new tensor of shape (..., Σ out_j), owned by the caller (or the current scope)
     * @throws Lora4jException if {@code adapters} is empty
     */
    public static Tensor loraLinearGrouped(Tensor x, Tensor packedWeight, Tensor packedBias, List<Adapter> adapters,
                                           double p, long seed, long offset, boolean training) {
        if (adapters.isEmpty()) {
            throw new Lora4jException("lora_linear_grouped", "at least one adapter is needed");
        }
        try (var f = Native.frame()) {
            Tensor[] as = adapters.stream().map(Adapter::a).toArray(Tensor[]::new);
            Tensor[] bs = adapters.stream().map(Adapter::b).toArray(Tensor[]::new);
            MemorySegment scales = f.allocate((long) adapters.size() * Double.BYTES);
            for (int i = 0; i < adapters.size(); i++) {
                scales.setAtIndex(ValueLayout.JAVA_DOUBLE, i, adapters.get(i).scale());
            }
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_lora_linear_grouped(TensorHandles.of(x), TensorHandles.of(packedWeight),
                    packedBias == null ? MemorySegment.NULL : TensorHandles.of(packedBias), adapters.size(), f.handles(as),
                    f.handles(bs), scales, p, seed, offset, training ? 1 : 0, out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * x ⊙ mask / (1 - p) with exactly the mask {@link #loraLinear} draws at (seed, offset).
     *
     * @param x the tensor to drop out
     * @param p the dropout probability, in [0, 1)
     * @param seed the Philox seed
     * @param offset the Philox counter offset
     * @return a new tensor shaped like x, owned by the caller (or the current scope)
     */
    public static Tensor dropout(Tensor x, double p, long seed, long offset) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_lora_dropout(TensorHandles.of(x), p, seed, offset, out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * One Philox4x32-10 block, as the native dropout computes it.
     *
     * @param counter the 128-bit counter as 4 words
     * @param key the 64-bit key as 2 words
     * @return the 4 output words
     * @throws Lora4jException if counter is not 4 words or key not 2
     */
    public static int[] philox4x32(int[] counter, int[] key) {
        if (counter.length != 4 || key.length != 2) {
            throw new Lora4jException("philox4x32_10", "counter needs 4 words and key 2");
        }
        try (var f = Native.frame()) {
            MemorySegment c = f.allocate(16);
            MemorySegment k = f.allocate(8);
            MemorySegment out = f.allocate(16);
            MemorySegment.copy(counter, 0, c, ValueLayout.JAVA_INT, 0, 4);
            MemorySegment.copy(key, 0, k, ValueLayout.JAVA_INT, 0, 2);
            Native.check(lora4j_h.l4j_philox4x32_10(c, k, out));
            return out.toArray(ValueLayout.JAVA_INT);
        }
    }
}
