package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;

/**
 * A bottleneck adapter's settings, as AdapterHub's {@code BnConfig} holds them (the fields lora4j
 * implements; every other BnConfig field must have its default, see {@link BottleneckMethod#readConfig}).
 * Pfeiffer is {@code SeqBnConfig} (after the FFN, the adapter on x + h, relu), Houlsby
 * {@code DoubleSeqBnConfig} (after self-attention and the FFN, the adapter on h, swish).
 *
 * @param name             the adapter's name: AdapterHub's keys carry it ({@code ...adapters.<name>.adapter_up.weight})
 * @param mhAdapter        an adapter after every self-attention sublayer (layer.0)
 * @param outputAdapter    an adapter after every FFN sublayer
 * @param crossAdapter     an adapter after every decoder cross-attention sublayer (layer.1 of the decoder)
 * @param reductionFactor  bottleneck size = max(1, floor(d_model / reductionFactor))
 * @param nonLinearity     the activation between down and up projection, AdapterHub's name
 * @param originalLnBefore the adapter's input is x + h (the residual sum) instead of h
 * @param residualBeforeLn the adapter's own residual is h; false: its input
 * @param initWeights      bert, houlsby or mam_adapter
 * @param initWeightsSeed  AdapterHub's init_weights_seed, kept in the file; lora4j's init draws from the run's seed
 * @param scaling          the up projection's output is multiplied by this
 * @param dropout          dropout on the adapter's output (training only)
 */
public record BottleneckConfig(String name, boolean mhAdapter, boolean outputAdapter, boolean crossAdapter,
                               double reductionFactor, String nonLinearity, boolean originalLnBefore,
                               boolean residualBeforeLn, InitWeights initWeights, Integer initWeightsSeed,
                               double scaling, double dropout) implements MethodConfig {

    /** AdapterHub's init_weights strategies. */
    public enum InitWeights {
        /** Every weight N(0, 0.02), biases 0: the adapter is not the identity at init. */
        BERT("bert"),
        /** Weights from a normal of std 0.01 truncated to ±0.02, biases 0. */
        HOULSBY("houlsby"),
        /** Down kaiming-uniform (a = √5), up and biases 0: the adapter starts as the identity. */
        MAM_ADAPTER("mam_adapter");

        private final String jsonName;

        InitWeights(String jsonName) {
            this.jsonName = jsonName;
        }

        /**
         * The value as AdapterHub's init_weights spells it.
         *
         * @return bert, houlsby or mam_adapter
         */
        public String jsonName() {
            return jsonName;
        }
    }

    /**
     * AdapterHub's SeqBnConfig (Pfeiffer) under the name {@code default}.
     *
     * @return the Pfeiffer config
     */
    public static BottleneckConfig pfeiffer() {
        return new BottleneckConfig("default", false, true, false, 16, "relu", true, true, InitWeights.BERT, null, 1.0, 0.0);
    }

    /**
     * AdapterHub's DoubleSeqBnConfig (Houlsby) under the name {@code default}.
     *
     * @return the Houlsby config
     */
    public static BottleneckConfig houlsby() {
        return new BottleneckConfig("default", true, true, false, 16, "swish", false, true, InitWeights.BERT, null, 1.0, 0.0);
    }

    /**
     * A copy with the adapter's name replaced.
     *
     * @param newName the adapter's name, part of every tensor key
     * @return the new config
     */
    public BottleneckConfig withName(String newName) {
        return new BottleneckConfig(newName, mhAdapter, outputAdapter, crossAdapter, reductionFactor, nonLinearity,
                originalLnBefore, residualBeforeLn, initWeights, initWeightsSeed, scaling, dropout);
    }

    /**
     * A copy with {@code initWeights} replaced.
     *
     * @param init the initialisation strategy
     * @return the new config
     */
    public BottleneckConfig withInit(InitWeights init) {
        return new BottleneckConfig(name, mhAdapter, outputAdapter, crossAdapter, reductionFactor, nonLinearity,
                originalLnBefore, residualBeforeLn, init, initWeightsSeed, scaling, dropout);
    }

    /**
     * A copy with {@code crossAdapter} replaced.
     *
     * @param cross whether to add an adapter after every decoder cross-attention sublayer
     * @return the new config
     */
    public BottleneckConfig withCrossAdapter(boolean cross) {
        return new BottleneckConfig(name, mhAdapter, outputAdapter, cross, reductionFactor, nonLinearity,
                originalLnBefore, residualBeforeLn, initWeights, initWeightsSeed, scaling, dropout);
    }

    /**
     * A copy with {@code dropout} replaced.
     *
     * @param p the dropout probability on the adapter's output
     * @return the new config
     */
    public BottleneckConfig withDropout(double p) {
        return new BottleneckConfig(name, mhAdapter, outputAdapter, crossAdapter, reductionFactor, nonLinearity,
                originalLnBefore, residualBeforeLn, initWeights, initWeightsSeed, scaling, p);
    }

    /**
     * The bottleneck width for a model of width dModel, as AdapterHub: {@code max(1, int(d // rf))}.
     *
     * @param dModel the model's hidden size
     * @return the adapter's hidden width, at least 1
     */
    public long bottleneckSize(long dModel) {
        return Math.max(1, (long) Math.floor(dModel / reductionFactor));
    }

    @Override
    public PeftMethod method() {
        return BottleneckMethod.INSTANCE;
    }

    /**
     * Every BnConfig field as AdapterHub's adapter_config.json holds it under "config" (the fields lora4j
     * does not implement at their defaults), plus the adapter's name: the flat form the command line and
     * run-config.json use.
     */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = bnConfig();
        o.put("name", name);
        return o;
    }

    /** The "config" object of AdapterHub's adapter_config.json: BnConfig's fields, sorted as AdapterHub writes them. */
    ObjectNode bnConfig() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("adapter_residual_before_ln", false);
        o.put("cross_adapter", crossAdapter);
        o.put("dropout", dropout);
        o.put("factorized_phm_W", true);
        o.put("factorized_phm_rule", false);
        o.put("hypercomplex_nonlinearity", "glorot-uniform");
        o.put("init_weights", initWeights.jsonName());
        if (initWeightsSeed == null) {
            o.putNull("init_weights_seed");
        } else {
            o.put("init_weights_seed", initWeightsSeed);
        }
        o.putNull("inv_adapter");
        o.putNull("inv_adapter_reduction_factor");
        o.put("is_parallel", false);
        o.put("learn_phm", true);
        o.putArray("leave_out");
        o.put("ln_after", false);
        o.put("ln_before", false);
        o.put("mh_adapter", mhAdapter);
        o.put("non_linearity", nonLinearity);
        o.put("original_ln_after", true);
        o.put("original_ln_before", originalLnBefore);
        o.put("output_adapter", outputAdapter);
        o.put("phm_bias", true);
        o.put("phm_c_init", "normal");
        o.put("phm_dim", 4);
        o.put("phm_init_range", 0.0001);
        o.put("phm_layer", false);
        o.put("phm_rank", 1);
        if (reductionFactor == Math.rint(reductionFactor)) {
            o.put("reduction_factor", (long) reductionFactor);
        } else {
            o.put("reduction_factor", reductionFactor);
        }
        o.put("residual_before_ln", residualBeforeLn);
        o.put("scaling", scaling);
        o.put("shared_W_phm", false);
        o.put("shared_phm_rule", true);
        o.put("stochastic_depth", 0.0);
        o.put("use_gating", false);
        return o;
    }
}
