package dev.lora4j.peft.ptuning;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.HookedAdapter;
import dev.lora4j.peft.prompt.VirtualTokens;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Functional;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * P-tuning attached to a T5 model: the prompt encoder runs over the whole table (P · submodules rows) once
 * per encoder pass, and its first P output rows are prepended to every sequence as prompt tuning does. The
 * tensors are named as PEFT's PromptEncoder names them (embedding.weight, mlp_head.N.*, lstm_head.*), so
 * PEFT's initial values can be copied in by name. Loaded from a file, the table is the saved output.
 */
final class PTuningAdapter extends HookedAdapter {
    static final String TABLE_KEY = "prompt_embeddings";
    static final String EMBEDDING = "embedding.weight";

    private final T5ForConditionalGeneration model;
    private final PTuningConfig config;
    private final Map<String, Tensor> trainable;
    private boolean computingFile; // the file's table is computed without dropout, even while training

    private PTuningAdapter(T5ForConditionalGeneration model, PTuningConfig config, Map<String, Tensor> trainable) {
        super(model);
        this.model = model;
        this.config = config;
        this.trainable = trainable;
        own(() -> trainable.values().forEach(Tensor::close));
        hooked(model.hooks().addInputHook(this::prepend));
    }

    static PTuningAdapter attach(T5ForConditionalGeneration model, PTuningConfig config, long seed) {
        model.requiresGrad(false);
        Map<String, Tensor> trainable = Scope.detached(() -> initialTensors(model.config(), config, seed, model.device()));
        trainable.values().forEach(t -> t.requiresGrad(true));
        return new PTuningAdapter(model, config, trainable);
    }

    /** PEFT's PromptEncoder initialisation: N(0, 1) table, nn.Linear and nn.LSTM defaults (uniform). */
    private static Map<String, Tensor> initialTensors(T5Config t5, PTuningConfig config, long seed, Device device) {
        long d = t5.dModel();
        long h = config.hiddenSize() > 0 ? config.hiddenSize() : d;
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var noGrad = Autograd.noGrad(); Generator g = new Generator(seed, device)) {
            out.put(EMBEDDING, Tensor.randn(g, DType.FLOAT32, device, config.tableRows(), d));
            if (config.savedTable()) {
                return out;
            }
            if (config.reparameterization() == PTuningConfig.Reparameterization.MLP) {
                linear(out, "mlp_head.0", d, h, g, device);
                linear(out, "mlp_head.2", h, h, g, device);
                linear(out, "mlp_head.4", h, d, g, device);
            } else {
                double bound = 1.0 / Math.sqrt(h);
                for (int layer = 0; layer < config.numLayers(); layer++) {
                    long in = layer == 0 ? d : 2 * h;
                    for (String suffix : new String[] {"", "_reverse"}) {
                        out.put("lstm_head.weight_ih_l" + layer + suffix, uniform(g, device, bound, 4 * h, in));
                        out.put("lstm_head.weight_hh_l" + layer + suffix, uniform(g, device, bound, 4 * h, h));
                        out.put("lstm_head.bias_ih_l" + layer + suffix, uniform(g, device, bound, 4 * h));
                        out.put("lstm_head.bias_hh_l" + layer + suffix, uniform(g, device, bound, 4 * h));
                    }
                }
                linear(out, "mlp_head.0", 2 * h, 2 * h, g, device);
                linear(out, "mlp_head.2", 2 * h, d, g, device);
            }
        }
        return out;
    }

    private static void linear(Map<String, Tensor> out, String name, long in, long outFeatures, Generator g, Device device) {
        double bound = 1.0 / Math.sqrt(in);
        out.put(name + ".weight", uniform(g, device, bound, outFeatures, in));
        out.put(name + ".bias", uniform(g, device, bound, outFeatures));
    }

    private static Tensor uniform(Generator g, Device device, double bound, long... shape) {
        return Tensor.zeros(DType.FLOAT32, device, shape).uniformInPlace(-bound, bound, g);
    }

    /** The encoder's output for every table row: (P · submodules, d_model). */
    private Tensor encoded() {
        Tensor table = trainable.get(EMBEDDING);
        if (config.savedTable()) {
            return table;
        }
        if (config.reparameterization() == PTuningConfig.Reparameterization.MLP) {
            Tensor x = layer(table, "mlp_head.0").relu();
            x = layer(x, "mlp_head.2").relu();
            return layer(x, "mlp_head.4");
        }
        List<Tensor> params = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            for (String suffix : new String[] {"", "_reverse"}) {
                for (String kind : new String[] {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
                    params.add(trainable.get("lstm_head." + kind + "_l" + l + suffix));
                }
            }
        }
        // PEFT runs the LSTM over all P · submodules rows: the first P outputs depend on the rest too.
        boolean training = trainingKey() != null && !computingFile;
        Tensor lstm = Functional.lstm(table.unsqueeze(0), params, config.numLayers(), true, config.dropout(), training); // (1, R, 2h)
        Tensor x = layer(lstm, "mlp_head.0").relu();
        return layer(x, "mlp_head.2").view(config.tableRows(), table.size(1)); // (R, d_model)
    }

    private Tensor layer(Tensor x, String name) {
        return x.linear(trainable.get(name + ".weight"), trainable.get(name + ".bias"));
    }

    private T5Hooks.EncoderInput prepend(T5Hooks.EncoderInput in) {
        if (!enabled()) {
            return in;
        }
        return VirtualTokens.prepend(in, encoded().narrow(0, 0, config.numVirtualTokens()));
    }

    @Override
    public PTuningConfig config() {
        return config;
    }

    @Override
    public Map<String, Tensor> trainableParameters() {
        return trainable;
    }

    /** PEFT's file: the encoder's output for every row, computed without dropout or gradients. */
    @Override
    public Map<String, Tensor> stateDict() {
        if (config.savedTable()) {
            return Map.of(TABLE_KEY, trainable.get(EMBEDDING));
        }
        computingFile = true;
        try (var noGrad = Autograd.noGrad()) {
            return Map.of(TABLE_KEY, encoded());
        } finally {
            computingFile = false;
        }
    }

    @Override
    public Map<String, Tensor> resumeState() {
        return config.savedTable() ? null : trainable;
    }

    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        T5Config t5 = model.config();
        ObjectNode o = config.toJson();
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("token_dim", t5.dModel());
        o.put("num_attention_heads", t5.numHeads());
        o.put("num_layers", t5.numLayers());
        if (!o.hasNonNull("encoder_hidden_size")) {
            o.put("encoder_hidden_size", t5.dModel());
        }
        return o;
    }

    @Override
    public String mergeRefusal() {
        return "P-tuning cannot be merged: its virtual tokens are extra inputs, not a change of the model's weights";
    }

    @Override
    public String describe() {
        return "P-tuning, " + config.numVirtualTokens() + " virtual tokens"
                + (config.savedTable() ? " (saved table)" : " through an " + config.reparameterization() + " encoder");
    }
}
