package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;

/**
 * AdaMix's settings (Wang et al. 2022, arXiv 2205.12410; microsoft/AdaMix): a mixture of numExperts
 * bottleneck adapters at every location the expert config names. No reference library implements it,
 * so its files are lora4j's own ({@code "peft_type": "ADAMIX"}); the averaged adapter exports to
 * AdapterHub's bottleneck layout.
 *
 * @param expert            each expert's settings (placement, width, activation, init), as a bottleneck adapter
 * @param numExperts        experts per location (N ≥ 1)
 * @param shareDown         one down projection shared by all experts (AdaMix's sharing_down)
 * @param shareUp           one up projection shared by all experts (AdaMix's sharing_up)
 * @param consistencyWeight λ of the consistency regularizer (two passes with different routings, symmetric
 *                          KL between their token distributions); 0 turns it off
 */
public record AdaMixConfig(BottleneckConfig expert, int numExperts, boolean shareDown, boolean shareUp,
                           double consistencyWeight) implements MethodConfig {
    /**
     * The paper's choice for encoder-decoders here: 4 experts after every FFN, on h, gelu, reduction 16.
     *
     * @return the default config
     */
    public static AdaMixConfig defaults() {
        BottleneckConfig expert = new BottleneckConfig("default", false, true, false, 16, "gelu", false, true,
                BottleneckConfig.InitWeights.BERT, null, 1.0, 0.0);
        return new AdaMixConfig(expert, 4, false, false, 0.0);
    }

    /**
     * A copy with {@code consistencyWeight} replaced.
     *
     * @param weight λ of the consistency regularizer; 0 turns it off
     * @return the new config
     */
    public AdaMixConfig withConsistencyWeight(double weight) {
        return new AdaMixConfig(expert, numExperts, shareDown, shareUp, weight);
    }

    /**
     * A copy with the experts' settings replaced.
     *
     * @param newExpert each expert's settings, as a bottleneck adapter
     * @return the new config
     */
    public AdaMixConfig withExpert(BottleneckConfig newExpert) {
        return new AdaMixConfig(newExpert, numExperts, shareDown, shareUp, consistencyWeight);
    }

    /**
     * A copy with the number of experts and their sharing replaced.
     *
     * @param n    experts per location; at least 1
     * @param down whether all experts share one down projection
     * @param up   whether all experts share one up projection
     * @return the new config
     */
    public AdaMixConfig withExperts(int n, boolean down, boolean up) {
        return new AdaMixConfig(expert, n, down, up, consistencyWeight);
    }

    /** Down projections per location: 1 when shared. */
    int downCount() {
        return shareDown ? 1 : numExperts;
    }

    /** Up projections per location: 1 when shared. */
    int upCount() {
        return shareUp ? 1 : numExperts;
    }

    @Override
    public PeftMethod method() {
        return AdaMixMethod.INSTANCE;
    }

    /** The expert's bottleneck fields and the mixture's, flat, with peft_type ADAMIX. */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = expert.toJson();
        o.put("peft_type", AdaMixMethod.PEFT_TYPE);
        o.put("num_experts", numExperts);
        o.put("share_down", shareDown);
        o.put("share_up", shareUp);
        o.put("consistency_weight", consistencyWeight);
        return o;
    }
}
