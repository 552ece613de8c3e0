package dev.lora4j.peft.prefix;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.HookedAdapter;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Prefix tuning attached to T5 as PEFT attaches it: a table (P, 2L · token_dim) read as 2L slots of
 * (heads, P, d_kv), and decoder layer l's self-attention gets the keys of slot k(l) and the values of
 * slot k(l) + 1, where k(l) = 4l mod 2L with PEFT's two submodules (PEFT duplicates the slots before
 * splitting them four per layer), and 2l with one. With an even L this leaves half the slots unused and
 * makes layers l and l + L/2 share a prefix; a warning names them. The encoder and cross-attention get
 * no prefix (PEFT discards the cross slots). With prefix_projection the table is the output of an MLP
 * (embedding (P, token_dim) → Linear → tanh → Linear), computed once per decoder pass.
 */
final class PrefixTuningAdapter extends HookedAdapter {
    /** PEFT's key for the table in adapter_model.safetensors. */
    static final String TABLE_KEY = "prompt_embeddings";
    /** The trainable table's name (PEFT's PrefixEncoder module: embedding.weight). */
    static final String EMBEDDING = "embedding.weight";
    private static final Logger LOG = Logger.getLogger(PrefixTuningAdapter.class.getName());

    private final T5ForConditionalGeneration model;
    private final PrefixTuningConfig config;
    private final int layers; // L
    private final int heads;
    private final int headDim;
    private final Map<String, Tensor> trainable; // the table, or the embedding and the MLP's tensors
    private Tensor passTable; // the MLP's output for the current decoder pass

    private PrefixTuningAdapter(T5ForConditionalGeneration model, PrefixTuningConfig config, int layers,
                                Map<String, Tensor> trainable) {
        super(model);
        T5Config t5 = model.config();
        this.model = model;
        this.config = config;
        this.layers = layers;
        this.heads = t5.numHeads();
        this.headDim = t5.dKv();
        this.trainable = trainable;
        own(() -> trainable.values().forEach(Tensor::close));
        hooked(model.hooks().addPrefixHook(this::prefix));
    }

    static PrefixTuningAdapter attach(T5ForConditionalGeneration model, PrefixTuningConfig config, long seed) {
        T5Config t5 = model.config();
        long tokenDim = (long) t5.numHeads() * t5.dKv();
        if (config.tokenDim() != 0 && config.tokenDim() != tokenDim) {
            throw new Lora4jException("prefix tuning", "field \"token_dim\" is " + config.tokenDim() + " but this model's "
                    + "attention is " + t5.numHeads() + " heads x " + t5.dKv() + " = " + tokenDim
                    + " wide (PEFT derives token_dim from d_model, which only works where they agree)");
        }
        int layers = config.numLayers() != 0 ? config.numLayers() : t5.numLayers();
        if (t5.numDecoderLayers() > layers) {
            throw new Lora4jException("prefix tuning", "field \"num_layers\" is " + layers + " but the decoder has "
                    + t5.numDecoderLayers() + " layers: the table has no slots for the last ones");
        }
        warnAboutSharedSlots(config, layers, t5.numDecoderLayers());
        model.requiresGrad(false);
        Map<String, Tensor> trainable = Scope.detached(() -> initialTensors(config, layers, tokenDim, seed, model.device()));
        trainable.values().forEach(t -> t.requiresGrad(true));
        return new PrefixTuningAdapter(model, config, layers, trainable);
    }

    /** Decoder layer l's key slot (its value slot is the next one). */
    static int keySlot(int layer, int layers, int submodules) {
        return submodules == 2 ? (4 * layer) % (2 * layers) : 2 * layer;
    }

    private static void warnAboutSharedSlots(PrefixTuningConfig config, int layers, int decoderLayers) {
        TreeSet<Integer> used = new TreeSet<>();
        List<String> shared = new ArrayList<>();
        Map<Integer, Integer> firstUser = new LinkedHashMap<>();
        for (int l = 0; l < decoderLayers; l++) {
            int k = keySlot(l, layers, config.numTransformerSubmodules());
            used.add(k);
            used.add(k + 1);
            Integer other = firstUser.putIfAbsent(k, l);
            if (other != null) {
                shared.add("layers " + other + " and " + l);
            }
        }
        int unused = 2 * layers - used.size();
        if (unused > 0 || !shared.isEmpty()) {
            LOG.warning(() -> "prefix tuning as PEFT maps it: " + unused + " of " + 2 * layers + " slots are never used"
                    + (shared.isEmpty() ? "" : "; " + String.join(", ", shared) + " share one prefix")
                    + " (PEFT duplicates the slots for its two submodules; num_transformer_submodules 1 uses each once)");
        }
    }

    private static Map<String, Tensor> initialTensors(PrefixTuningConfig config, int layers, long tokenDim, long seed,
                                                      Device device) {
        int p = config.numVirtualTokens();
        long width = 2L * layers * tokenDim;
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var noGrad = Autograd.noGrad(); Generator g = new Generator(seed, device)) {
            if (!config.trainsThroughProjection()) {
                out.put(EMBEDDING, config.zeroInit() ? Tensor.zeros(DType.FLOAT32, device, p, width)
                        : Tensor.randn(g, DType.FLOAT32, device, p, width));
                return out;
            }
            long hidden = config.encoderHiddenSize() > 0 ? config.encoderHiddenSize() : tokenDim;
            out.put(EMBEDDING, Tensor.randn(g, DType.FLOAT32, device, p, tokenDim));
            out.put("transform.0.weight", uniform(g, device, 1.0 / Math.sqrt(tokenDim), hidden, tokenDim));
            out.put("transform.0.bias", uniform(g, device, 1.0 / Math.sqrt(tokenDim), hidden));
            double last = config.zeroInit() ? 0 : 1.0 / Math.sqrt(hidden);
            out.put("transform.2.weight", uniform(g, device, last, width, hidden));
            out.put("transform.2.bias", uniform(g, device, last, width));
            return out;
        }
    }

    /** nn.Linear's default init: U(-bound, bound), bound 1/√fan_in (zero bound: zeros). */
    private static Tensor uniform(Generator g, Device device, double bound, long... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT32, device, shape);
        if (bound > 0) {
            t.uniformInPlace(-bound, bound, g);
        }
        return t;
    }

    /** The table (P, 2L · token_dim): the stored one, or the MLP's output. */
    private Tensor table() {
        if (!config.trainsThroughProjection()) {
            return trainable.get(EMBEDDING);
        }
        Tensor hidden = trainable.get(EMBEDDING).linear(trainable.get("transform.0.weight"),
                trainable.get("transform.0.bias")).tanh(); // (P, h)
        return hidden.linear(trainable.get("transform.2.weight"), trainable.get("transform.2.bias")); // (P, 2L·token_dim)
    }

    /** The prefix hook: decoder self-attention only, PEFT's slots, for every row. */
    private T5Hooks.Prefix prefix(T5Hooks.AttentionSite site, long rows) {
        if (!enabled() || site.stack() != T5Hooks.Stack.DECODER || site.kind() != T5Hooks.AttentionKind.SELF) {
            return null;
        }
        if (site.layer() == 0 || passTable == null) {
            passTable = table(); // once per decoder pass (the stack asks for layer 0 first)
        }
        int p = config.numVirtualTokens();
        Tensor slots = passTable.view(p, 2L * layers, heads, headDim); // (P, 2L, H, d_kv)
        int k = keySlot(site.layer(), layers, config.numTransformerSubmodules());
        return new T5Hooks.Prefix(slot(slots, k, rows), slot(slots, k + 1, rows));
    }

    /** Slot s as (rows, H, P, d_kv), in the model's dtype. */
    private Tensor slot(Tensor slots, int s, long rows) {
        int p = config.numVirtualTokens();
        Tensor one = slots.narrow(1, s, 1).view(p, heads, headDim).permute(1, 0, 2); // (H, P, d_kv)
        return one.to(model.dtype()).unsqueeze(0).expand(rows, heads, p, headDim);
    }

    @Override
    public PrefixTuningConfig config() {
        return config;
    }

    @Override
    public Map<String, Tensor> trainableParameters() {
        return trainable;
    }

    /**
     * PEFT's file: the table under {@code prompt_embeddings}; with the MLP, its output (computed now,
     * without gradients, into a tensor of the caller's scope).
     */
    @Override
    public Map<String, Tensor> stateDict() {
        if (!config.trainsThroughProjection()) {
            return Map.of(TABLE_KEY, trainable.get(EMBEDDING));
        }
        try (var noGrad = Autograd.noGrad()) {
            return Map.of(TABLE_KEY, table());
        }
    }

    @Override
    public Map<String, Tensor> resumeState() {
        return config.trainsThroughProjection() ? trainable : null;
    }

    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        T5Config t5 = model.config();
        ObjectNode o = config.toJson();
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("token_dim", t5.numHeads() * t5.dKv());
        o.put("num_attention_heads", t5.numHeads());
        o.put("num_layers", layers);
        if (!o.hasNonNull("encoder_hidden_size")) {
            o.put("encoder_hidden_size", t5.numHeads() * t5.dKv());
        }
        return o;
    }

    /** The MLP's output belongs to one pass: a new pass (or mode) computes it again. */
    @Override
    protected void resetPass() {
        passTable = null;
    }

    @Override
    public String mergeRefusal() {
        return "prefix tuning cannot be merged: its prefixes are extra keys and values, not a change of the model's weights";
    }

    @Override
    public String describe() {
        return "prefix tuning, " + config.numVirtualTokens() + " virtual tokens on the decoder's self-attention"
                + (config.trainsThroughProjection() ? " (through an MLP)" : "");
    }
}
