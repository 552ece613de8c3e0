package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.nn.Dropout;
import dev.lora4j.peft.AdapterHubFiles;
import dev.lora4j.peft.HookedAdapter;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.t5.T5Hooks.Stack;
import dev.lora4j.t5.T5Hooks.SublayerKind;
import dev.lora4j.t5.T5Hooks.SublayerSite;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Bottleneck adapters attached to a T5 model through the sublayer hook, computing what AdapterHub's
 * {@code bottleneck_layer_forward} computes on T5 (a pre-norm model: no layer norm is passed to it).
 * With x the sublayer's input and h its output after dropout:
 * <pre>
 *   z = original_ln_before ? x + h : h          the adapter's input
 *   r = residual_before_ln ? h : z              the adapter's own residual
 *   y = x + (up(act(down(z))) · scaling + r)    the sublayer's new result
 * </pre>
 * So Pfeiffer (seq_bn) gives y = x + h + f(x + h) and Houlsby (double_seq_bn) y = x + h + f(h). The base
 * is frozen; the blocks are handed to the model ({@link T5Hooks#own}) and freed with it.
 */
final class BottleneckAdapter extends HookedAdapter {
    private final BottleneckConfig config;
    private final Map<SublayerSite, BottleneckBlock> blocks;
    private final Map<SublayerSite, String> paths;
    private final Generator dropoutGenerator;

    private BottleneckAdapter(T5ForConditionalGeneration model, BottleneckConfig config,
                              Map<SublayerSite, BottleneckBlock> blocks, Map<SublayerSite, String> paths, long seed) {
        super(model);
        this.config = config;
        this.blocks = Collections.unmodifiableMap(blocks);
        this.paths = Collections.unmodifiableMap(paths);
        this.dropoutGenerator = own(new Generator(seed, model().device()));
        blocks.values().forEach(this::own);
        hooked(model().hooks().addSublayerHook(this::apply));
    }

    /** New blocks at every location config names, initialised by its init_weights from seed. */
    static BottleneckAdapter attach(T5ForConditionalGeneration model, BottleneckConfig config, long seed) {
        T5Config t5 = model.config();
        long d = t5.dModel();
        long r = config.bottleneckSize(d);
        model.requiresGrad(false);
        Map<SublayerSite, BottleneckBlock> blocks = new LinkedHashMap<>();
        Map<SublayerSite, String> paths = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        try (Generator gen = new Generator(seed, model.device())) {
            for (SublayerSite site : sites(t5, config)) {
                blocks.put(site, BottleneckBlock.create(config, d, r, model.device(), random, gen));
                paths.put(site, path(site));
            }
        }
        return new BottleneckAdapter(model, config, blocks, paths, seed);
    }

    /** The locations in AdapterHub's module order: per block of the encoder, then of the decoder. */
    static List<SublayerSite> sites(T5Config t5, BottleneckConfig config) {
        List<SublayerSite> sites = new ArrayList<>();
        for (int layer = 0; layer < t5.numLayers(); layer++) {
            if (config.mhAdapter()) {
                sites.add(new SublayerSite(Stack.ENCODER, layer, SublayerKind.SELF_ATTENTION));
            }
            if (config.outputAdapter()) {
                sites.add(new SublayerSite(Stack.ENCODER, layer, SublayerKind.FEED_FORWARD));
            }
        }
        for (int layer = 0; layer < t5.numDecoderLayers(); layer++) {
            if (config.mhAdapter()) {
                sites.add(new SublayerSite(Stack.DECODER, layer, SublayerKind.SELF_ATTENTION));
            }
            if (config.crossAdapter()) {
                sites.add(new SublayerSite(Stack.DECODER, layer, SublayerKind.CROSS_ATTENTION));
            }
            if (config.outputAdapter()) {
                sites.add(new SublayerSite(Stack.DECODER, layer, SublayerKind.FEED_FORWARD));
            }
        }
        return sites;
    }

    /** The sublayer's module path, as transformers names it: encoder.block.N.layer.K. */
    static String path(SublayerSite site) {
        boolean decoder = site.stack() == Stack.DECODER;
        int index = switch (site.kind()) {
            case SELF_ATTENTION -> 0;
            case CROSS_ATTENTION -> 1;
            case FEED_FORWARD -> decoder ? 2 : 1;
        };
        return (decoder ? "decoder" : "encoder") + ".block." + site.layer() + ".layer." + index;
    }

    /** The sublayer hook: the new output (what is added to the residual stream x). */
    private Tensor apply(SublayerSite site, Tensor x, Tensor normed, Tensor h) {
        BottleneckBlock block = blocks.get(site);
        if (!enabled() || block == null) {
            return h;
        }
        Tensor z = config.originalLnBefore() ? h.add(x) : h;
        Tensor residual = config.residualBeforeLn() ? h : z;
        Dropout dropout = trainingKey() == null || config.dropout() == 0 ? Dropout.NONE
                : new Dropout(config.dropout(), true, dropoutGenerator, trainingKey()).at(keyPrefix(site));
        return block.forward(z, residual, dropout);
    }

    private String keyPrefix(SublayerSite site) {
        return paths.get(site) + ".adapters." + config.name() + ".";
    }

    /** The blocks by location, in AdapterHub's order. */
    Map<SublayerSite, BottleneckBlock> blocks() {
        return blocks;
    }

    @Override
    public BottleneckConfig config() {
        return config;
    }

    /** Every block's tensors under AdapterHub's keys, e.g. {@code encoder.block.0.layer.1.adapters.NAME.adapter_up.weight}. */
    @Override
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        blocks.forEach((site, block) -> out.putAll(block.tensors(keyPrefix(site))));
        return out;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        return trainableParameters();
    }

    /** AdapterHub's adapter_config.json: BnConfig's fields under "config", and the model's facts beside it. */
    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        return AdapterHubFiles.configJson(config.bnConfig(), model().config().dModel(), baseModelNameOrPath, config.name());
    }

    @Override
    public String mergeRefusal() {
        return "bottleneck adapters cannot be merged: they add a non-linear branch (down, activation, up) that no change "
                + "of T5's weights expresses";
    }

    @Override
    public String describe() {
        long r = config.bottleneckSize(model().config().dModel());
        return "bottleneck adapters \"" + config.name() + "\" at " + blocks.size() + " sublayers (width " + r + ", "
                + config.nonLinearity() + ", input " + (config.originalLnBefore() ? "x + h" : "h") + ", init "
                + config.initWeights().jsonName() + ")";
    }
}
