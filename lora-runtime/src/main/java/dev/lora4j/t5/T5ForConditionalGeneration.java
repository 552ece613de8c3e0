package dev.lora4j.t5;

import dev.lora4j.io.AtomicFiles;
import dev.lora4j.io.ShardedCheckpoint;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.Embedding;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.Module;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.nn.Slot;
import dev.lora4j.quant.Linear4bit;
import dev.lora4j.quant.QuantConfig;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Functional;
import dev.lora4j.tensor.Generator;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * T5 / FLAN-T5 with its language-modelling head, computing what transformers 5.17's
 * T5ForConditionalGeneration computes (see docs/T5.md for the parity measured).
 *
 * <p>Parameters are named exactly as transformers' state dict ({@code shared.weight},
 * {@code encoder.block.0.layer.0.SelfAttention.q.weight}, …, {@code lm_head.weight}); the model owns
 * them and {@link #close()} frees them. Every forward method opens its own scope for intermediates and
 * hands only its results to the caller's scope (or to the caller, with no scope open), so a training
 * step wrapped in a {@link Scope} frees everything it created.
 *
 * <p>The head: when the checkpoint has {@code lm_head.weight} it is used (FLAN-T5, T5 v1.1); without
 * one the head is tied to {@code shared.weight} (T5 v1.0). The decoder output is multiplied by
 * d_model^-0.5 before the head exactly when the config's {@code scale_decoder_outputs} says so, which
 * transformers 5 reads from config.json and otherwise derives from {@code tie_word_embeddings} (true
 * for v1.0, false for v1.1 / FLAN).
 *
 * <p>Precision: float32, bfloat16 or float16; under float16 the FFN output projections (wo) stay in
 * float32 and residual sums are clamped on overflow, as transformers does.
 */
public final class T5ForConditionalGeneration extends Module {
    /** The head's module path; the only linear layer outside the stacks. */
    public static final String LM_HEAD = "lm_head";

    private final T5Config config;
    private final Device device;
    private final DType dtype;
    private final Slot<Embedding> shared;
    private final T5Stack encoder;
    private final T5Stack decoder;
    private final Slot<LinearLayer> lmHead; // null: tied to shared.weight
    private final T5Hooks hooks = new T5Hooks();
    private boolean training;
    private Generator dropoutGenerator;
    private RandomKey randomKey;
    private Generator ownedGenerator; // made for keyed dropout, freed by eval() and close()

    private T5ForConditionalGeneration(T5Config config, T5Weights weights, Device device, DType dtype) {
        this.config = config;
        this.device = device;
        this.dtype = dtype;
        double factor = config.initializerFactor();
        long[] vocabShape = {config.vocabSize(), config.dModel()};
        this.shared = registerChild("shared", Embedding.class,
                new Embedding(weights.normal(CheckpointWeights.SHARED, vocabShape, factor, false)));
        this.encoder = registerChild("encoder", T5Stack.class, new T5Stack("encoder", config, weights, false)).get();
        this.decoder = registerChild("decoder", T5Stack.class, new T5Stack("decoder", config, weights, true)).get();
        this.lmHead = weights.hasSeparateLmHead()
                ? registerChild(LM_HEAD, LinearLayer.class, weights.linear(LM_HEAD, config.vocabSize(), config.dModel(), factor))
                : null;
    }

    // ---- creation, saving, closing -----------------------------------------------------------------

    /**
     * Loads config.json and model.safetensors (or a sharded model.safetensors.index.json) from a
     * Hugging Face checkpoint directory, converting weights to dtype on device. Names must match
     * exactly; every missing, unexpected or wrongly shaped tensor is reported in one exception.
     *
     * @param checkpointDir the checkpoint directory holding config.json and the safetensors file(s)
     * @param device        the device the weights are placed on
     * @param dtype         the compute dtype: float32, bfloat16 or float16
     * @return a new model in eval mode, owning its weights; the caller closes it
     */
    public static T5ForConditionalGeneration load(Path checkpointDir, Device device, DType dtype) {
        return load(checkpointDir, device, dtype, null);
    }

    /**
     * Like {@link #load(Path, Device, DType)}, with the linear layers quantized to 4 bits as they are read
     * (docs/QLORA.md): every projection the config does not keep becomes a {@link Linear4bit} quantized from
     * the weight as loaded in dtype, bit-identical to transformers' {@code BitsAndBytesConfig(load_in_4bit=True)}.
     * Layers a checkpoint already stores in 4 bits (saved by transformers with a bitsandbytes config, or by
     * {@link #save}) load as they are, with or without quant (whose compute dtype they then take; float32
     * without). quant may be null.
     *
     * @param checkpointDir the checkpoint directory holding config.json and the safetensors file(s)
     * @param device        the device the weights are placed on
     * @param dtype         the compute dtype: float32, bfloat16 or float16
     * @param quant         how to quantize the linear layers to 4 bits, or null to keep them as loaded
     * @return a new model in eval mode, owning its weights; the caller closes it
     */
    public static T5ForConditionalGeneration load(Path checkpointDir, Device device, DType dtype, QuantConfig quant) {
        requireFloatingPoint(dtype);
        T5Config config = T5Config.load(checkpointDir.resolve("config.json"));
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(checkpointDir)) {
            CheckpointWeights weights = new CheckpointWeights(checkpoint, device, dtype);
            if (quant != null) {
                weights.quantizeLinears(quant);
            }
            return build(config, weights, device, dtype);
        }
    }

    /**
     * A freshly initialised model, with transformers' T5 initialisation scheme drawn from a generator
     * seeded with seed. The head is separate (initialised like the embeddings) when the config's
     * tie_word_embeddings is false, as in T5 v1.1 / FLAN-T5 checkpoints, and tied otherwise.
     *
     * @param config the model's shape and hyperparameters
     * @param seed   the seed of the generator the initial weights are drawn from
     * @param device the device the weights are placed on
     * @param dtype  the compute dtype: float32, bfloat16 or float16
     * @return a new model in eval mode, owning its weights; the caller closes it
     */
    public static T5ForConditionalGeneration fromConfig(T5Config config, long seed, Device device, DType dtype) {
        return fromConfig(config, seed, device, dtype, null);
    }

    /**
     * A freshly initialised model whose linear layers are quantized to 4 bits as quant says (null: none).
     *
     * @param config the model's shape and hyperparameters
     * @param seed   the seed of the generator the initial weights are drawn from
     * @param device the device the weights are placed on
     * @param dtype  the compute dtype: float32, bfloat16 or float16
     * @param quant  how to quantize the linear layers to 4 bits, or null for none
     * @return a new model in eval mode, owning its weights; the caller closes it
     */
    public static T5ForConditionalGeneration fromConfig(T5Config config, long seed, Device device, DType dtype, QuantConfig quant) {
        requireFloatingPoint(dtype);
        try (Generator generator = new Generator(seed)) {
            RandomWeights weights = new RandomWeights(generator, !config.tieWordEmbeddings(), device, dtype);
            if (quant != null) {
                weights.quantizeLinears(quant);
            }
            return build(config, weights, device, dtype);
        }
    }

    private static T5ForConditionalGeneration build(T5Config config, T5Weights weights, Device device, DType dtype) {
        // Weights belong to no scope: they live until close(), whatever scope the caller has open.
        return Scope.detached(() -> {
            try {
                T5ForConditionalGeneration model = new T5ForConditionalGeneration(config, weights, device, dtype);
                weights.finish();
                if (weights.quantizes()) {
                    // Each layer's dense weight was freed once quantized; give that memory back to the OS.
                    dev.lora4j.internal.NativeHeap.trim();
                }
                return model;
            } catch (RuntimeException e) {
                weights.closeCreated();
                throw e;
            }
        });
    }

    private static void requireFloatingPoint(DType dtype) {
        if (dtype != DType.FLOAT32 && dtype != DType.BFLOAT16 && dtype != DType.FLOAT16) {
            throw new Lora4jException("t5", "a T5 model computes in float32, bfloat16 or float16, not " + dtype);
        }
    }

    /**
     * Writes config.json and model.safetensors (every tensor of {@link #namedParameters()}, in its
     * dtype, with {@code {"format": "pt"}} metadata) into dir, each file replaced atomically, so that
     * transformers' {@code T5ForConditionalGeneration.from_pretrained(dir)} loads this model. A model with
     * 4-bit layers is saved in bitsandbytes' serialized form, with transformers' {@code quantization_config}
     * in config.json, and loads back as 4-bit in transformers and here.
     *
     * @param dir the directory to write into; created if missing
     */
    public void save(Path dir) {
        save(dir, namedParameters());
    }

    /**
     * Saves config.json and the given tensors as model.safetensors, for weights kept outside the model
     * (float32 master weights of a half-precision model): the same names and shapes as
     * {@link #namedParameters()}, in their own dtype.
     *
     * @param dir     the directory to write into; created if missing
     * @param weights the tensors to save, keyed exactly as {@link #namedParameters()}; still owned by the caller
     */
    public void save(Path dir, Map<String, Tensor> weights) {
        requireOpen();
        if (!weights.keySet().equals(namedParameters().keySet())) {
            throw new Lora4jException("t5 save", "the weights to save must be named as the model's parameters");
        }
        try {
            Files.createDirectories(dir);
            String json = QuantizationConfigJson.addTo(config.toJson(), this);
            AtomicFiles.write(dir.resolve("config.json"), json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Lora4jException("t5 save", dir + ": cannot write config.json: " + e.getMessage(), e);
        }
        TensorFiles.save(weights, Map.of("format", "pt"), dir.resolve(ShardedCheckpoint.SINGLE_FILE));
    }

    /** Frees every parameter, including layers installed in its slots. Idempotent. */
    @Override
    public void close() {
        eval();
        hooks.closeAll();
        super.close();
    }

    // ---- properties --------------------------------------------------------------------------------

    /**
     * The configuration the model was built from.
     *
     * @return the model's config
     */
    public T5Config config() {
        return config;
    }

    /**
     * The device the model's weights live on; inputs elsewhere are moved here.
     *
     * @return the model's device
     */
    public Device device() {
        return device;
    }

    /**
     * The compute dtype the model was built with (float32, bfloat16 or float16).
     *
     * @return the model's dtype
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * Whether the head is tied to the embeddings.
     *
     * @return true when lm_head reuses shared.weight (no lm_head.weight of its own)
     */
    public boolean isLmHeadTied() {
        return lmHead == null;
    }


    /**
     * The hook points methods attach to (prompt, prefix and sublayer hooks).
     *
     * @return this model's hooks, owned by the model
     */
    public T5Hooks hooks() {
        return hooks;
    }

    /**
     * Sets requires_grad on every parameter (false: freeze the base model, e.g. before adding adapters).
     *
     * @param requiresGrad the flag to set on every parameter
     */
    public void requiresGrad(boolean requiresGrad) {
        for (Tensor t : namedParameters().values()) {
            t.requiresGrad(requiresGrad);
        }
    }

    /**
     * Freezes every parameter, as {@code requiresGrad(false)}, then runs attach (an adapter's wrapping). If
     * attach throws, the parameters that took gradients before take them again, so that a failed wrap
     * leaves the model as it found it.
     *
     * @param attach what adds the adapter to the frozen model
     * @param <T>    the adapter type
     * @return what attach returned
     */
    public <T> T freezeThen(Supplier<T> attach) {
        List<Tensor> wereTrainable = new ArrayList<>();
        for (Tensor t : namedParameters().values()) {
            if (t.requiresGrad()) {
                wereTrainable.add(t);
                t.requiresGrad(false);
            }
        }
        try {
            return attach.get();
        } catch (RuntimeException e) {
            wereTrainable.forEach(t -> t.requiresGrad(true));
            throw e;
        }
    }

    /**
     * Every attention and feed-forward projection by module path ({@code encoder.block.0.layer.0.SelfAttention.q},
     * {@code decoder.block.1.layer.2.DenseReluDense.wo}…), in parameter order. The head is not listed
     * (it is in {@code slots(LinearLayer.class)} as {@value #LM_HEAD} when the model has its own).
     *
     * @return an unmodifiable map from module path to the layer now installed there, still owned by the model
     */
    public Map<String, LinearLayer> linearLayers() {
        requireOpen();
        Map<String, LinearLayer> out = new LinkedHashMap<>();
        slots(LinearLayer.class).forEach((path, slot) -> {
            if (!path.equals(LM_HEAD)) {
                out.put(path, slot.get());
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * Installs layer at a module path from {@link #linearLayers()} (or {@value #LM_HEAD}) and returns the
     * layer it replaces, which the caller now owns (a wrapper usually holds on to it as its base layer).
     * The new layer must map the same in/out features; the model closes it on {@link #close()}.
     *
     * @param path  the module path of the layer to replace
     * @param layer the layer to install; the model takes ownership of it
     * @return the layer that was at path, now owned by the caller
     */
    public LinearLayer replaceLinear(String path, LinearLayer layer) {
        requireOpen();
        Slot<LinearLayer> slot = slots(LinearLayer.class).get(path);
        if (slot == null) {
            throw new Lora4jException("replace_linear", "no linear layer at \"" + path + "\"; paths look like "
                    + "encoder.block.0.layer.0.SelfAttention.q (see linearLayers())");
        }
        return slot.replace(layer);
    }

    // ---- mode ----------------------------------------------------------------------------------------

    /** Training mode with dropout masks from libtorch's default generator. */
    public void train() {
        train((Generator) null);
    }

    /**
     * Training mode with keyed dropout: each block's masks (and the embeddings' and final norms') are
     * drawn from a generator seeded by key.derive(module path), so they depend on the key and the site
     * only. Call again with the next key before every micro-batch.
     *
     * @param key the key the dropout masks of the next forward pass are derived from
     */
    public void train(RandomKey key) {
        if (ownedGenerator == null) {
            ownedGenerator = Scope.detached(() -> new Generator(key.seed(), device));
        }
        training = true;
        dropoutGenerator = ownedGenerator;
        randomKey = key;
    }

    /**
     * Training mode: dropout (config dropout_rate) after embeddings, on attention probabilities, inside
     * the FFN, on every residual branch and after the final norms, as transformers places it, with masks
     * drawn from generator (null: libtorch's default), which the caller keeps open while training.
     *
     * @param generator the generator for dropout masks, still owned by the caller, or null for libtorch's default
     */
    public void train(Generator generator) {
        training = true;
        dropoutGenerator = generator;
        randomKey = null;
    }

    /** Evaluation mode: no dropout (the default). */
    public void eval() {
        training = false;
        dropoutGenerator = null;
        randomKey = null;
        if (ownedGenerator != null) {
            ownedGenerator.close();
            ownedGenerator = null;
        }
    }

    /**
     * Whether dropout is active.
     *
     * @return true in training mode, false in evaluation mode
     */
    public boolean isTraining() {
        return training;
    }

    /**
     * The model's mode at one moment, to put back with {@link #restoreMode(Mode)} after a detour through
     * evaluation mode (generation during training, for instance).
     *
     * @param training  whether dropout is active
     * @param generator the caller's generator of a {@link #train(Generator)} mode, else null
     * @param key       the key of a {@link #train(RandomKey)} mode, else null
     */
    public record Mode(boolean training, Generator generator, RandomKey key) {}

    /**
     * The current mode.
     *
     * @return what {@link #restoreMode(Mode)} needs to return to it
     */
    public Mode mode() {
        return new Mode(training, randomKey == null ? dropoutGenerator : null, randomKey);
    }

    /**
     * Returns to a mode {@link #mode()} took: evaluation, training with the same key (keyed masks depend
     * on the key and the site only, so they come out as before), or training with the same generator.
     *
     * @param mode a mode of this model
     */
    public void restoreMode(Mode mode) {
        if (!mode.training()) {
            eval();
        } else if (mode.key() != null) {
            train(mode.key());
        } else {
            train(mode.generator());
        }
    }

    private Dropout dropout() {
        return training ? new Dropout(config.dropoutRate(), true, dropoutGenerator, randomKey) : Dropout.NONE;
    }

    // ---- forward -------------------------------------------------------------------------------------

    /**
     * The encoder's last hidden state. With an input hook that prepends rows (prompt tuning) it has
     * S' = P + S rows; {@link #decode} accepts the original mask and treats the prepended rows as kept.
     *
     * @param inputIds      (B, S) int64
     * @param attentionMask (B, S), 1 for tokens and 0 for padding (any integer, bool or float dtype), or null
     * @return (B, S', d_model)
     */
    public Tensor encode(Tensor inputIds, Tensor attentionMask) {
        requireOpen();
        try (Scope scope = Scope.open()) {
            return scope.keep(runEncoder(inputIds, attentionMask, dropout()).embeddings());
        }
    }

    /**
     * Encoder + decoder + head, and the loss when labels are given.
     *
     * @param inputIds        (B, S) int64
     * @param attentionMask   (B, S) 1 = token, 0 = padding, or null for no padding
     * @param decoderInputIds (B, T) int64, or null to use labels shifted right ({@link #shiftRight})
     * @param labels          (B, T) int64 with -100 at positions to ignore, or null for no loss
     * @return logits, loss (when labels are given) and the encoder output, in the caller's scope
     */
    public T5Output forward(Tensor inputIds, Tensor attentionMask, Tensor decoderInputIds, Tensor labels) {
        requireOpen();
        if (decoderInputIds == null && labels == null) {
            throw new Lora4jException("t5 forward", "give decoder input ids, labels, or both");
        }
        try (Scope scope = Scope.open()) {
            Dropout dropout = dropout();
            T5Hooks.EncoderInput encoded = runEncoder(inputIds, attentionMask, dropout); // (B, S', d_model), (B, S')
            Tensor decoderIds = decoderInputIds != null ? onDevice(decoderInputIds) : shiftRightOnDevice(labels);
            Tensor logits = runDecoder(decoderIds, null, encoded.embeddings(), encoded.keep(), dropout);
            Tensor loss = labels == null ? null : crossEntropy(logits, onDevice(labels));
            return new T5Output(scope.keep(logits), loss == null ? null : scope.keep(loss),
                    scope.keep(encoded.embeddings()));
        }
    }

    /**
     * {@link #forward} with labels, for training: the same loss and gradients, without computing the
     * padding. Every position-wise part of the model (layer norms, projections, feed-forward networks,
     * dropout, residual adds, adapters, the head) runs only on the encoder's kept positions and on the
     * decoder's positions up to each row's last label that is not -100, packed as (1, N, d_model); only
     * attention's core runs on the padded layout, where the masks already hide the dropped positions (see
     * docs/T5.md). Less work by the batch's padding fraction; the loss is taken over the padded layout, so
     * it rounds as transformers' does even in bfloat16. Unlike {@link #forward}, the logits hold zeros at
     * the decoder positions after each row's last label and the encoder output zeros at padding: those
     * were not computed. Dropout masks are drawn over the packed layout, so they differ from
     * {@link #forward}'s.
     *
     * @param inputIds      (B, S) int64
     * @param attentionMask (B, S) 1 = token, 0 = padding, or null for no padding
     * @param labels        (B, T) int64 with -100 at positions to ignore; decoder inputs are labels shifted right
     * @return logits, loss and the encoder output, in the caller's scope
     */
    public T5Output forwardPaddingFree(Tensor inputIds, Tensor attentionMask, Tensor labels) {
        requireOpen();
        try (Scope scope = Scope.open()) {
            return paddingFreeForward(scope, onDevice(inputIds), attentionMask, onDevice(labels), dropout());
        }
    }

    private T5Output paddingFreeForward(Scope scope, Tensor ids, Tensor attentionMask, Tensor labels, Dropout dropout) {
        T5Hooks.EncoderInput input = inputEmbeddings(ids, encoderKeep(ids, attentionMask)); // (B, S', d_model), (B, S')
        PackedRows encoderRows = PackedRows.kept(input.keep());
        Tensor encoderHidden = encoder.encode(input.embeddings(), input.keep(), dropout, hooks, encoderRows); // (1, N', d_model)
        Tensor decoderIds = shiftRightOnDevice(labels);
        PackedRows decoderRows = PackedRows.upToLastLabel(labels);
        Tensor embeddings = shared.get().forward(decoderIds); // (B, T, d_model)
        Tensor hidden = decoder.decode(embeddings, null, encoderHidden, input.keep(), dropout, hooks, decoderRows,
                encoderRows); // (1, N, d_model)
        Tensor logits = PackedRows.unpack(decoderRows, head(hidden)); // (B, T, vocab) from (1, N, vocab)
        // The loss over the padded layout, not the packed rows: libtorch's mean cross entropy sums in
        // blocks of rows, ignored rows included, so in bfloat16 only the same layout rounds as transformers.
        Tensor loss = crossEntropy(logits, labels);
        return new T5Output(scope.keep(logits), scope.keep(loss), scope.keep(PackedRows.unpack(encoderRows, encoderHidden)));
    }

    /**
     * Decoder + head over a precomputed encoder output (scoring several targets against one source).
     *
     * @param decoderInputIds       (B, T) int64
     * @param decoderAttentionMask  (B, T) 1 = token, 0 = padding to hide from later tokens, or null
     * @param encoderHiddenStates   (B, S', d_model) from {@link #encode}
     * @param encoderAttentionMask  (B, S) the mask the encoder saw, or null; rows the input hook
     *                              prepended (S' - S of them, in front) count as kept
     * @return logits (B, T, vocab)
     */
    public Tensor decode(Tensor decoderInputIds, Tensor decoderAttentionMask, Tensor encoderHiddenStates,
                         Tensor encoderAttentionMask) {
        requireOpen();
        try (Scope scope = Scope.open()) {
            Tensor decoderKeep = decoderAttentionMask == null ? null : AttentionMasks.keep(onDevice(decoderAttentionMask));
            Tensor encoderKeep = encoderKeep(encoderHiddenStates, encoderAttentionMask);
            long prepended = encoderHiddenStates.size(1) - encoderKeep.size(1);
            if (prepended < 0) {
                throw new Lora4jException("t5 decode", "the encoder attention mask has " + encoderKeep.size(1)
                        + " positions but the encoder output only " + encoderHiddenStates.size(1));
            }
            if (prepended > 0) {
                encoderKeep = Tensor.cat(1, Tensor.ones(DType.BOOL, device, encoderKeep.size(0), prepended), encoderKeep);
            }
            return scope.keep(runDecoder(onDevice(decoderInputIds), decoderKeep, encoderHiddenStates, encoderKeep,
                    dropout()));
        }
    }

    /**
     * Mean cross entropy of logits against labels, ignoring label -100, as transformers.
     *
     * @param logits (B, T, vocab)
     * @param labels (B, T) int64, -100 at positions to ignore
     * @return the 0-dim mean loss, in the caller's scope
     */
    public Tensor loss(Tensor logits, Tensor labels) {
        requireOpen();
        try (Scope scope = Scope.open()) {
            return scope.keep(crossEntropy(logits, onDevice(labels)));
        }
    }

    /**
     * Decoder inputs for teacher forcing: labels (B, T) shifted one step right, starting with
     * decoder_start_token_id, with -100 (ignored positions) replaced by the pad token.
     *
     * @param labels (B, T) int64
     * @return (B, T) int64 on the model's device, in the caller's scope
     */
    public Tensor shiftRight(Tensor labels) {
        requireOpen();
        try (Scope scope = Scope.open()) {
            return scope.keep(shiftRightOnDevice(labels));
        }
    }

    /** The encoder's output and the keep-mask cross-attention uses, after the input hooks. */
    private T5Hooks.EncoderInput runEncoder(Tensor inputIds, Tensor attentionMask, Dropout dropout) {
        Tensor ids = onDevice(inputIds);
        return encodeEmbedded(ids, encoderKeep(ids, attentionMask), dropout);
    }

    /** The one place the input hook fires: embeddings, hook, encoder stack. */
    private T5Hooks.EncoderInput encodeEmbedded(Tensor ids, Tensor keep, Dropout dropout) {
        T5Hooks.EncoderInput input = inputEmbeddings(ids, keep); // (B, S', d_model)
        Tensor hidden = encoder.encode(input.embeddings(), input.keep(), dropout, hooks); // (B, S', d_model)
        return new T5Hooks.EncoderInput(hidden, input.keep());
    }

    /** The encoder's input after the input hooks: embeddings (B, S', d_model) and keep-mask (B, S'). */
    private T5Hooks.EncoderInput inputEmbeddings(Tensor ids, Tensor keep) {
        return hooks.input(new T5Hooks.EncoderInput(shared.get().forward(ids), keep));
    }

    /** (B, S) bool keep-mask from an attention mask, or all true when there is none. */
    private Tensor encoderKeep(Tensor reference, Tensor attentionMask) {
        if (attentionMask != null) {
            return AttentionMasks.keep(onDevice(attentionMask));
        }
        return Tensor.ones(DType.BOOL, device, reference.size(0), reference.size(1));
    }

    private Tensor runDecoder(Tensor decoderIds, Tensor decoderKeep, Tensor encoderHidden, Tensor encoderKeep,
                              Dropout dropout) {
        Tensor embeddings = shared.get().forward(decoderIds); // (B, T, d_model)
        Tensor hidden = decoder.decode(embeddings, decoderKeep, encoderHidden, encoderKeep, dropout, hooks); // (B, T, d_model)
        return head(hidden);
    }

    /** (…, d_model) → (…, vocab). */
    private Tensor head(Tensor hidden) {
        if (config.scaleDecoderOutputs()) {
            // T5 v1.0 rescales before its tied head, because the embeddings are trained at unit scale.
            hidden = hidden.mul(Math.pow(config.dModel(), -0.5));
        }
        return lmHead != null ? lmHead.get().forward(hidden) : hidden.linear(shared.get().weight(), null);
    }

    private static Tensor crossEntropy(Tensor logits, Tensor labels) {
        long vocab = logits.size(-1);
        return Functional.crossEntropy(logits.reshape(-1, vocab), labels.reshape(-1)); // (), mean over kept labels
    }

    private Tensor shiftRightOnDevice(Tensor labels) {
        Tensor ids = onDevice(labels);
        long batch = ids.size(0);
        long length = ids.size(1);
        Tensor start = Tensor.full(config.decoderStartTokenId(), DType.INT64, device, batch, 1); // (B, 1)
        Tensor shifted = Tensor.cat(1, start, ids.narrow(1, 0, length - 1)); // (B, T)
        return shifted.maskedFill(shifted.eq(-100), config.padTokenId());
    }

    private Tensor onDevice(Tensor t) {
        return t.device().type() == device.type() ? t : t.to(device);
    }

    // ---- incremental decoding (generation) ---------------------------------------------------------

    /**
     * Encoder output and cross-attention keys/values for generation, with self-attention buffers for
     * maxLength decoder tokens. Call without gradients; tensors go to the caller's scope.
     *
     * @param encoderHidden (N, S, d_model)
     * @param encoderKeep   (N, S) bool
     */
    T5KeyValueCache startDecoding(Tensor encoderHidden, Tensor encoderKeep, int maxLength) {
        requireOpen();
        return decoder.startDecoding(encoderHidden, encoderKeep, maxLength, hooks);
    }

    /** One decoder step: tokens (N) int64 at position cache.length() → logits (N, vocab). */
    Tensor decodeStep(Tensor tokens, T5KeyValueCache cache) {
        requireOpen();
        long rows = tokens.size(0);
        Tensor embeddings = shared.get().forward(tokens.view(rows, 1)); // (N, 1, d_model)
        Tensor hidden = decoder.decodeStep(embeddings, cache, hooks); // (N, 1, d_model)
        return head(hidden).view(rows, config.vocabSize()); // (N, vocab)
    }

    /**
     * The encoder output for generation, in eval mode (no dropout) whatever the model's mode, with the
     * keep-mask cross-attention uses (longer than keep when an input hook prepended rows).
     */
    T5Hooks.EncoderInput encodeForGeneration(Tensor inputIds, Tensor keep) {
        requireOpen();
        return encodeEmbedded(onDevice(inputIds), keep, Dropout.NONE); // (B, S', d_model), (B, S')
    }
}
