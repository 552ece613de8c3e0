package dev.lora4j.peft.lora;

import dev.lora4j.nn.Linear;
import dev.lora4j.tensor.Tensor;

/**
 * How an active {@link LoraLinear} computes its output and how merging changes its base weight: plain
 * LoRA ({@link #PLAIN}, the fused native op) or DoRA ({@link DoraVariant}, PEFT's {@code use_dora}: a
 * learned magnitude per output row over the direction W + s·B·A). Extra parameters (DoRA's magnitude)
 * are registered on the layer; a variant keeps at most what a merge must remember for its unmerge.
 */
public interface LoraVariant {
    /**
     * The layer's output for x (..., in) while the adapter is active and unmerged.
     *
     * @param layer   the layer computing; its base, A, B, scale and dropout seed are read
     * @param x       the input, shape (..., in)
     * @param offset  where this call's dropout mask starts in the layer's Philox stream
     * @param dropout whether dropout applies (training and lora_dropout &gt; 0)
     * @return a new tensor of shape (..., out), owned by the caller (or the current scope)
     */
    Tensor forward(LoraLinear layer, Tensor x, long offset, boolean dropout);

    /**
     * The merged weight for the dense base weight w, as a new float32 tensor.
     *
     * @param layer the layer being merged
     * @param w     the base weight in float32, shape (out, in); not modified
     * @return a new float32 tensor (out, in), owned by the caller (or the current scope)
     */
    Tensor merge(LoraLinear layer, Tensor w);

    /**
     * The base weight again from the merged weight w, as a new float32 tensor.
     *
     * @param layer the layer being unmerged
     * @param w     the merged weight in float32, shape (out, in); not modified
     * @return a new float32 tensor (out, in), owned by the caller (or the current scope)
     */
    Tensor unmerge(LoraLinear layer, Tensor w);

    /** Frees what the variant holds (nothing for plain LoRA). */
    default void release() {}

    /** y = base(x) + s·(D(x)·Aᵀ)·Bᵀ: one fused op over a dense base, the adapter-only op over any other. */
    LoraVariant PLAIN = new LoraVariant() {
        @Override
        public Tensor forward(LoraLinear layer, Tensor x, long offset, boolean dropout) {
            double p = layer.config().loraDropout();
            if (layer.base() instanceof Linear dense) {
                return LoraOps.loraLinear(x, dense.weight(), dense.bias(), layer.loraA(), layer.loraB(), layer.scale(), p,
                        layer.dropoutSeed(), offset, dropout);
            }
            return LoraOps.loraAdd(layer.base().forward(x), x, layer.loraA(), layer.loraB(), layer.scale(), p,
                    layer.dropoutSeed(), offset, dropout);
        }

        @Override
        public Tensor merge(LoraLinear layer, Tensor w) {
            return w.add(layer.delta(), 1.0);
        }

        @Override
        public Tensor unmerge(LoraLinear layer, Tensor w) {
            return w.add(layer.delta(), -1.0);
        }
    };
}
