package dev.lora4j.peft.prefix;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;

/**
 * Prefix tuning as Li and Liang (2021) describe it and AdapterHub's {@code PrefixTuningConfig} implements
 * it: prefixes for the encoder's self-attention, the decoder's self-attention and the decoder's
 * cross-attention, each location with a prefix of its own per layer, produced by an MLP over a learned
 * embedding (the reparametrization the paper trains through).
 *
 * @param name           the adapter's name, part of every tensor key
 * @param prefixLength   P, the prefix's length at every attention
 * @param bottleneckSize the MLP's hidden width
 * @param nonLinearity   the MLP's activation (AdapterHub's name; tanh by default)
 * @param dropout        dropout on the prefix keys and values while training
 * @param encoderPrefix  a prefix at the encoder's self-attention
 * @param crossPrefix    a prefix at the decoder's cross-attention (the decoder's self-attention always has one)
 * @param flat           no MLP: the keys and values themselves are the parameters (AdapterHub's flat)
 * @param initWeightsSeed AdapterHub's init_weights_seed, kept in the file (lora4j draws from the run's seed)
 */
public record PaperPrefixConfig(String name, int prefixLength, int bottleneckSize, String nonLinearity, double dropout,
                                boolean encoderPrefix, boolean crossPrefix, boolean flat, Integer initWeightsSeed)
        implements MethodConfig {

    /**
     * AdapterHub's PrefixTuningConfig defaults: P 30, bottleneck 512, tanh, all three locations, MLP.
     *
     * @return the default config, named "default"
     */
    public static PaperPrefixConfig defaults() {
        return new PaperPrefixConfig("default", 30, 512, "tanh", 0.0, true, true, false, null);
    }

    /**
     * A copy with the prefix length and the MLP's width replaced.
     *
     * @param length     P, the prefix's length at every attention
     * @param bottleneck the MLP's hidden width
     * @return the new config
     */
    public PaperPrefixConfig withShape(int length, int bottleneck) {
        return new PaperPrefixConfig(name, length, bottleneck, nonLinearity, dropout, encoderPrefix, crossPrefix, flat,
                initWeightsSeed);
    }

    /**
     * A copy with {@code flat} replaced.
     *
     * @param isFlat true to train the keys and values directly, without the MLP
     * @return the new config
     */
    public PaperPrefixConfig withFlat(boolean isFlat) {
        return new PaperPrefixConfig(name, prefixLength, bottleneckSize, nonLinearity, dropout, encoderPrefix, crossPrefix,
                isFlat, initWeightsSeed);
    }

    /**
     * A copy with the adapter's name replaced.
     *
     * @param newName the adapter's name, part of every tensor key
     * @return the new config
     */
    public PaperPrefixConfig withName(String newName) {
        return new PaperPrefixConfig(newName, prefixLength, bottleneckSize, nonLinearity, dropout, encoderPrefix,
                crossPrefix, flat, initWeightsSeed);
    }

    @Override
    public PeftMethod method() {
        return PaperPrefixMethod.INSTANCE;
    }

    /** The flat form (command line, run-config.json): PrefixTuningConfig's fields and the name. */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = adapterHubConfig();
        o.put("name", name);
        return o;
    }

    /** The "config" object of AdapterHub's adapter_config.json, its fields sorted as AdapterHub writes them. */
    ObjectNode adapterHubConfig() {
        ObjectNode o = StrictJson.mapper().createObjectNode();
        o.put("architecture", "prefix_tuning");
        o.put("bottleneck_size", bottleneckSize);
        o.put("cross_prefix", crossPrefix);
        o.put("dropout", dropout);
        o.put("encoder_prefix", encoderPrefix);
        o.put("flat", flat);
        if (initWeightsSeed == null) {
            o.putNull("init_weights_seed");
        } else {
            o.put("init_weights_seed", initWeightsSeed);
        }
        o.putArray("leave_out");
        o.put("non_linearity", nonLinearity);
        o.put("prefix_length", prefixLength);
        o.put("shared_gating", true);
        o.put("use_gating", false);
        return o;
    }
}
