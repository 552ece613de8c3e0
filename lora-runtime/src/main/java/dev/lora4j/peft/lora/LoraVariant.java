package dev.lora4j.peft.lora;

import dev.lora4j.nn.Linear;
import dev.lora4j.tensor.Tensor;

/**
 * How an active {@link LoraLinear} computes its output and what merging adds to its base weight. Plain
 * LoRA ({@link #PLAIN}) is the only variant today; DoRA (PEFT's {@code use_dora}: a learned magnitude per
 * output row over the direction W + s·B·A) is the variant this seam exists for. A variant owns no state of
 * its own: extra parameters (DoRA's magnitude) are registered on the layer.
 */
public interface LoraVariant {
    /**
     * The layer's output for x (..., in) while the adapter is active and unmerged.
     *
     * @param offset  where this call's dropout mask starts in the layer's Philox stream
     * @param dropout whether dropout applies (training and lora_dropout > 0)
     */
    Tensor forward(LoraLinear layer, Tensor x, long offset, boolean dropout);

    /** What merging adds to the dense base weight, as a new float32 (out, in) tensor. */
    Tensor mergeDelta(LoraLinear layer);

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
        public Tensor mergeDelta(LoraLinear layer) {
            return layer.loraB().matmul(layer.loraA()).mul(layer.scale());
        }
    };
}
