package dev.lora4j.peft.prefix;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.Dropout;
import dev.lora4j.peft.AdapterHubFiles;
import dev.lora4j.peft.HookedAdapter;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.t5.T5Hooks.AttentionKind;
import dev.lora4j.t5.T5Hooks.Stack;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paper-mode prefix tuning attached to a T5 model through the prefix hook, computing what AdapterHub's
 * PrefixTuningPool and PrefixTuningLayer compute on T5: per location (encoder self-attention, decoder
 * self-attention, decoder cross-attention) an embedding (P, d_model) through Linear → activation →
 * Linear to (P, 2·layers·heads·d_kv), split into each layer's keys and values. Every query sees the
 * prefix; the relative position bias places the prefix keys at 0..P-1 and the tokens after them while
 * the queries stay at 0.. ({@link T5Hooks.Prefix#offsetQueries} false), as AdapterHub's T5 attention
 * computes it. The MLP's output is computed once per pass and location (at layer 0).
 */
final class PaperPrefixAdapter extends HookedAdapter {
    /** AdapterHub's location keys and where each applies. */
    enum Location {
        ENCODER_PREFIX("encoder_prefix", Stack.ENCODER, AttentionKind.SELF),
        SELF_PREFIX("self_prefix", Stack.DECODER, AttentionKind.SELF),
        CROSS_PREFIX("cross_prefix", Stack.DECODER, AttentionKind.CROSS);

        final String key;
        final Stack stack;
        final AttentionKind kind;

        Location(String key, Stack stack, AttentionKind kind) {
            this.key = key;
            this.stack = stack;
            this.kind = kind;
        }

        static Location of(T5Hooks.AttentionSite site) {
            for (Location l : values()) {
                if (l.stack == site.stack() && l.kind == site.kind()) {
                    return l;
                }
            }
            return null;
        }
    }

    private final PaperPrefixConfig config;
    private final int heads;
    private final int headDim;
    private final Map<Location, Integer> layers = new EnumMap<>(Location.class);
    private final Map<String, Tensor> tensors; // AdapterHub's keys
    private final Map<Location, Tensor> passTables = new EnumMap<>(Location.class); // (P, 2L, H, d_kv) of this pass
    private final Generator dropoutGenerator;

    private PaperPrefixAdapter(T5ForConditionalGeneration model, PaperPrefixConfig config, Map<String, Tensor> tensors,
                               long seed) {
        super(model);
        this.config = config;
        T5Config t5 = model.config();
        this.heads = t5.numHeads();
        this.headDim = t5.dKv();
        for (Location l : locations(config)) {
            layers.put(l, l.stack == Stack.ENCODER ? t5.numLayers() : t5.numDecoderLayers());
        }
        this.tensors = tensors;
        this.dropoutGenerator = own(new Generator(seed, model.device()));
        tensors.values().forEach(this::own);
        hooked(model.hooks().addPrefixHook(this::prefix));
    }

    static List<Location> locations(PaperPrefixConfig config) {
        List<Location> out = new ArrayList<>();
        if (config.encoderPrefix()) {
            out.add(Location.ENCODER_PREFIX);
        }
        out.add(Location.SELF_PREFIX);
        if (config.crossPrefix()) {
            out.add(Location.CROSS_PREFIX);
        }
        return out;
    }

    static PaperPrefixAdapter attach(T5ForConditionalGeneration model, PaperPrefixConfig config, long seed) {
        model.requiresGrad(false);
        T5Config t5 = model.config();
        Map<String, Tensor> tensors = Scope.detached(() -> {
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (var noGrad = Autograd.noGrad(); Generator g = new Generator(seed, model.device())) {
                for (Location l : locations(config)) {
                    int n = l.stack == Stack.ENCODER ? t5.numLayers() : t5.numDecoderLayers();
                    long width = 2L * n * t5.numHeads() * t5.dKv();
                    String prefix = key(config, l);
                    Device device = model.device();
                    if (config.flat()) {
                        out.put(prefix + "control_trans", Tensor.randn(g, DType.FLOAT32, device, config.prefixLength() * width));
                        continue;
                    }
                    long d = t5.dModel();
                    long b = config.bottleneckSize();
                    out.put(prefix + "wte.weight", Tensor.randn(g, DType.FLOAT32, device, config.prefixLength(), d));
                    out.put(prefix + "control_trans.0.weight", uniform(g, device, 1 / Math.sqrt(d), b, d));
                    out.put(prefix + "control_trans.0.bias", uniform(g, device, 1 / Math.sqrt(d), b));
                    out.put(prefix + "control_trans.2.weight", uniform(g, device, 1 / Math.sqrt(b), width, b));
                    out.put(prefix + "control_trans.2.bias", uniform(g, device, 1 / Math.sqrt(b), width));
                }
            }
            out.values().forEach(t -> t.requiresGrad(true));
            return out;
        });
        return new PaperPrefixAdapter(model, config, tensors, seed);
    }

    /** nn.Linear's default init: U(-bound, bound), bound 1/√fan_in. */
    private static Tensor uniform(Generator g, Device device, double bound, long... shape) {
        return Tensor.zeros(DType.FLOAT32, device, shape).uniformInPlace(-bound, bound, g);
    }

    /** AdapterHub's key prefix of a location's tensors (the pool's own names, each stored once). */
    static String key(PaperPrefixConfig config, Location l) {
        return "prefix_tuning.prefix_tunings." + config.name() + "." + l.key + ".";
    }

    /** The location's keys and values of every layer, (P, 2L, H, d_kv), float32. */
    private Tensor table(Location l) {
        String prefix = key(config, l);
        int n = layers.get(l);
        int p = config.prefixLength();
        Tensor flatTable;
        if (config.flat()) {
            flatTable = tensors.get(prefix + "control_trans");
        } else {
            Tensor hidden = activate(tensors.get(prefix + "wte.weight").linear(tensors.get(prefix + "control_trans.0.weight"),
                    tensors.get(prefix + "control_trans.0.bias"))); // (P, bottleneck)
            flatTable = hidden.linear(tensors.get(prefix + "control_trans.2.weight"), tensors.get(prefix + "control_trans.2.bias"));
        }
        return flatTable.view(p, 2L * n, heads, headDim);
    }

    private Tensor activate(Tensor x) {
        return switch (config.nonLinearity()) {
            case "tanh" -> x.tanh();
            case "relu" -> x.relu();
            case "gelu" -> x.gelu();
            case "gelu_new" -> x.geluTanh();
            case "swish", "silu" -> x.mul(x.sigmoid());
            default -> throw new Lora4jException("prefix tuning", "unsupported non_linearity \"" + config.nonLinearity() + "\"");
        };
    }

    /** The prefix hook: layer i of a location takes slots 2i (keys) and 2i+1 (values), for every row. */
    private T5Hooks.Prefix prefix(T5Hooks.AttentionSite site, long rows) {
        Location l = Location.of(site);
        if (!enabled() || l == null || !layers.containsKey(l)) {
            return null;
        }
        if (site.layer() == 0 || !passTables.containsKey(l)) {
            passTables.put(l, table(l));
        }
        Tensor slots = passTables.get(l);
        Dropout dropout = trainingKey() == null || config.dropout() == 0 ? Dropout.NONE
                : new Dropout(config.dropout(), true, dropoutGenerator, trainingKey());
        return new T5Hooks.Prefix(slot(slots, 2 * site.layer(), rows, dropout.at(key(config, l) + site.layer() + ".keys")),
                slot(slots, 2 * site.layer() + 1, rows, dropout.at(key(config, l) + site.layer() + ".values")), false);
    }

    /** Slot s as (rows, H, P, d_kv) in the model's dtype; dropped out per row while training, as AdapterHub. */
    private Tensor slot(Tensor slots, int s, long rows, Dropout dropout) {
        int p = config.prefixLength();
        Tensor one = slots.narrow(1, s, 1).view(p, heads, headDim).permute(1, 0, 2); // (H, P, d_kv)
        Tensor expanded = one.to(model().dtype()).unsqueeze(0).expand(rows, heads, p, headDim);
        return dropout.active() ? dropout.apply(expanded.contiguous()) : expanded;
    }

    @Override
    public PaperPrefixConfig config() {
        return config;
    }

    @Override
    public Map<String, Tensor> trainableParameters() {
        return tensors;
    }

    /** The MLP (or flat table) under AdapterHub's pool keys: AdapterHub stores the reparametrization itself. */
    @Override
    public Map<String, Tensor> stateDict() {
        return tensors;
    }

    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        return AdapterHubFiles.configJson(config.adapterHubConfig(), model().config().dModel(), baseModelNameOrPath,
                config.name());
    }

    /** The MLP's output belongs to one pass: a new pass (or mode) computes it again. */
    @Override
    protected void resetPass() {
        passTables.clear();
    }

    @Override
    public String mergeRefusal() {
        return "prefix tuning cannot be merged: its prefixes are extra keys and values, not a change of the model's weights";
    }

    @Override
    public String describe() {
        return "prefix tuning (paper mode) \"" + config.name() + "\": " + config.prefixLength() + " tokens at "
                + String.join(", ", locations(config).stream().map(l -> l.key).toList())
                + (config.flat() ? " (flat)" : " through an MLP of width " + config.bottleneckSize());
    }
}
