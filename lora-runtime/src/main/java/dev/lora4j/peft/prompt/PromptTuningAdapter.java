package dev.lora4j.peft.prompt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.HookedAdapter;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prompt tuning attached to a T5 model: a float32 table (P · num_transformer_submodules, d_model) whose
 * first P rows the input hook prepends to every sequence's input embeddings (cast to the model's dtype),
 * with the keep-mask extended, as PEFT's seq2seq forward and generate() do. The base is frozen. The table
 * is handed to the model ({@link T5Hooks#own}), so closing the model frees it too.
 */
final class PromptTuningAdapter extends HookedAdapter {
    /** PEFT's key for the table in adapter_model.safetensors (no prefix, unlike layer methods). */
    static final String TABLE_KEY = "prompt_embeddings";

    private final T5ForConditionalGeneration model;
    private final PromptTuningConfig config;
    private final Tensor table; // (P * nts, d_model) float32

    private PromptTuningAdapter(T5ForConditionalGeneration model, PromptTuningConfig config, Tensor table) {
        super(model);
        this.model = model;
        this.config = config;
        this.table = own(table);
        hooked(model.hooks().addInputHook(this::prepend));
    }

    static PromptTuningAdapter attach(T5ForConditionalGeneration model, PromptTuningConfig config, long seed) {
        long dModel = model.config().dModel();
        if (config.tokenDim() != 0 && config.tokenDim() != dModel) {
            throw new Lora4jException("prompt tuning", "field \"token_dim\" is " + config.tokenDim()
                    + " but the model's d_model is " + dModel + ": the adapter was made for another model");
        }
        model.requiresGrad(false);
        Tensor table = Scope.detached(() -> initialTable(model, config, seed));
        table.requiresGrad(true);
        return new PromptTuningAdapter(model, config, table);
    }

    /** The table as PEFT's PromptEmbedding initialises it, in float32 on the model's device. */
    private static Tensor initialTable(T5ForConditionalGeneration model, PromptTuningConfig config, long seed) {
        int rows = config.tableRows();
        T5Config t5 = model.config();
        Tensor shared = model.namedParameters().get("shared.weight"); // (vocab, d_model)
        try (var noGrad = Autograd.noGrad()) {
            switch (config.init()) {
                case RANDOM -> {
                    try (Generator g = new Generator(seed, model.device())) {
                        return Tensor.randn(g, DType.FLOAT32, model.device(), rows, t5.dModel());
                    }
                }
                case SAMPLE_VOCAB -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    long[] ids = new long[rows];
                    for (int i = 0; i < rows; i++) {
                        ids[i] = random.nextInt(t5.vocabSize());
                    }
                    return rowsOf(shared, ids);
                }
                case TEXT -> {
                    return rowsOf(shared, textIds(config, rows));
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    /** rows of the embedding matrix as a new float32 tensor (len, d_model). */
    private static Tensor rowsOf(Tensor shared, long[] ids) {
        try (Scope scope = Scope.open()) {
            Tensor index = Tensor.of(ids, ids.length).to(shared.device());
            return scope.keep(shared.indexSelect(0, index).to(DType.FLOAT32).copy());
        }
    }

    /**
     * The init text's token ids as PEFT takes them: the tokenizer's ids with T5's {@code </s>}, cut to rows,
     * or repeated cyclically up to rows.
     */
    static long[] textIds(PromptTuningConfig config, int rows) {
        Path dir = Path.of(config.tokenizerNameOrPath());
        if (!Files.exists(dir)) {
            throw new Lora4jException("prompt tuning", "field \"tokenizer_name_or_path\" is " + dir
                    + ", which does not exist: the TEXT init needs a local tokenizer directory (nothing is downloaded)");
        }
        int[] ids = T5Tokenizer.load(dir).encode(config.initText());
        if (ids.length == 0) {
            throw new Lora4jException("prompt tuning", "field \"prompt_tuning_init_text\" encodes to no tokens");
        }
        long[] out = new long[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = ids[i % ids.length];
        }
        return out;
    }

    /** The input hook: P rows in front of every sequence, kept by the mask. */
    private T5Hooks.EncoderInput prepend(T5Hooks.EncoderInput in) {
        if (!enabled()) {
            return in;
        }
        return VirtualTokens.prepend(in, table.narrow(0, 0, config.numVirtualTokens())); // first P rows only, as PEFT
    }

    @Override
    public PromptTuningConfig config() {
        return config;
    }

    /** The table under PEFT's key (the optimizer's name for it too). */
    @Override
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(TABLE_KEY, table);
        return out;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        return trainableParameters();
    }

    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        T5Config t5 = model.config();
        ObjectNode o = config.toJson();
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("token_dim", t5.dModel());
        o.put("num_attention_heads", t5.numHeads());
        o.put("num_layers", t5.numLayers());
        return o;
    }

    @Override
    public String mergeRefusal() {
        return "prompt tuning cannot be merged: its virtual tokens are extra inputs, not a change of the model's weights";
    }

    @Override
    public String describe() {
        return "prompt tuning, " + config.numVirtualTokens() + " virtual tokens (init " + config.init() + ", table "
                + Arrays.toString(table.shape()) + ")";
    }
}
