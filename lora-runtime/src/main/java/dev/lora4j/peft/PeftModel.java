package dev.lora4j.peft;

import dev.lora4j.nn.RandomKey;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model with one parameter-efficient method attached, whichever it is (PEFT's PeftModel): wrap a
 * model with a config, or load an adapter directory (dispatching on its peft_type); then train,
 * enable/disable, save, merge, merge-and-unload or unload. Everything method-specific happens behind
 * {@link Adapter}; this class never names a method.
 *
 * <p>It does not own the model: closing the model frees the adapter's installed layers too. After
 * {@link #mergeAndUnload()} or {@link #unload()} this object must not be used.
 */
public final class PeftModel {
    private final Adapter adapter;
    private boolean detached;

    private PeftModel(Adapter adapter) {
        this.adapter = adapter;
    }

    /**
     * Attaches a new adapter of config's method to model, after the method's checks of the config against
     * the model ({@link PeftMethod#check}); random initialisation and dropout derive from seed. On failure
     * the model is left as it was: the parameters that took gradients still do.
     *
     * @param model the base model to modify in place; it keeps owning the installed layers
     * @param config the method and its settings
     * @param seed the seed of the adapter's random initialisation and dropout
     * @return a facade over the model and its new adapter
     */
    public static PeftModel wrap(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        config.method().check(model, config);
        // attach freezes the model before it builds the adapter's parts; if building fails, freezeThen gives the
        // parameters that took gradients their flag back, whatever the method
        return new PeftModel(model.freezeThen(() -> config.method().attach(model, config, seed)));
    }

    /**
     * Attaches the adapter saved in dir (adapter_config.json + adapter_model.safetensors) to model,
     * checking that the file holds exactly the tensors the config implies. On failure the model is left
     * as it was. seed keys the adapter's dropout when it is trained further.
     *
     * @param model the base model to modify in place
     * @param dir the adapter directory
     * @param seed the seed of the adapter's dropout in further training
     * @return a facade over the model and the loaded adapter
     */
    public static PeftModel load(T5ForConditionalGeneration model, Path dir, long seed) {
        MethodConfig config = AdapterFiles.readConfig(dir).forSavedTensors();
        return new PeftModel(model.freezeThen(() -> {
            Adapter adapter = config.method().attach(model, config, seed);
            try {
                AdapterFiles.loadWeights(adapter, dir);
            } catch (RuntimeException e) {
                adapter.detach();
                throw e;
            }
            return adapter;
        }));
    }

    /**
     * The config saved in an adapter directory, read by the method its peft_type names.
     *
     * @param dir the adapter directory holding adapter_config.json
     * @return the parsed config
     */
    public static MethodConfig readConfig(Path dir) {
        return AdapterFiles.readConfig(dir);
    }

    /**
     * The attached adapter, for method-specific access.
     *
     * @return the adapter
     */
    public Adapter adapter() {
        requireAttached();
        return adapter;
    }

    /**
     * The configuration the adapter was attached with (still answered after an unload: it is a fact about
     * what was attached, not the adapter's state).
     *
     * @return the adapter's config
     */
    public MethodConfig config() {
        return adapter.config();
    }

    /**
     * The parameter-efficient method of the attached adapter.
     *
     * @return the config's method
     */
    public PeftMethod method() {
        return adapter.config().method();
    }

    /**
     * The base model the adapter is installed in.
     *
     * @return the model (not owned by this object)
     */
    public T5ForConditionalGeneration model() {
        return adapter.model();
    }

    /**
     * Saves the adapter into dir in the reference library's layout.
     *
     * @param dir the directory to write the config and weights files into
     * @param baseModelNameOrPath the base model's name or path, recorded in adapter_config.json
     */
    public void save(Path dir, String baseModelNameOrPath) {
        requireAttached();
        AdapterFiles.save(adapter, dir, baseModelNameOrPath);
    }

    /**
     * The tensors the optimizer updates, by model state-dict name (or the method's own name).
     *
     * @return the adapter's trainable tensors, still owned by the model or adapter
     */
    public Map<String, Tensor> trainableParameters() {
        requireAttached();
        return adapter.trainableParameters();
    }

    /**
     * The adapter's tensors under the reference file's keys.
     *
     * @return the tensors by safetensors key, as {@link Adapter#stateDict()} returns them
     */
    public Map<String, Tensor> stateDict() {
        requireAttached();
        return adapter.stateDict();
    }

    /**
     * (trainable, total) over the model's parameters and the adapter's own.
     *
     * @return the parameter counts, each tensor counted once
     */
    public ParameterCounts parameterCounts() {
        requireAttached();
        Set<Tensor> all = Collections.newSetFromMap(new IdentityHashMap<>());
        all.addAll(model().namedParameters().values());
        all.addAll(adapter.trainableParameters().values());
        return ParameterCounts.of(all);
    }

    /**
     * Switches the adapter to training mode: dropout on, masks keyed by key. Call before every micro-batch.
     *
     * @param key the micro-batch's random key
     */
    public void train(RandomKey key) {
        requireAttached();
        adapter.train(key);
    }

    /** Switches the adapter to evaluation mode (no dropout). */
    public void eval() {
        requireAttached();
        adapter.eval();
    }

    /**
     * Enables or disables the adapter; disabled, the model computes as its base alone.
     *
     * @param enabled whether the adapter takes part in the forward pass
     */
    public void setEnabled(boolean enabled) {
        requireAttached();
        adapter.setEnabled(enabled);
    }

    /**
     * Why this adapter cannot merge, or null when it can.
     *
     * @return the reason merging is refused, or null
     */
    public String mergeRefusal() {
        return adapter.mergeRefusal();
    }

    /** Folds the adapter into the base weights; throws if {@link #mergeRefusal()} is not null. */
    public void merge() {
        requireAttached();
        adapter.merge();
    }

    /** Undoes {@link #merge()}, restoring the base weights. */
    public void unmerge() {
        requireAttached();
        adapter.unmerge();
    }

    /**
     * PEFT's merge_and_unload: folds the adapter into the base weights and removes it. This object must
     * not be used afterwards.
     *
     * @return the model, now without the adapter but with its effect merged in
     * @throws Lora4jException if the adapter cannot merge
     */
    public T5ForConditionalGeneration mergeAndUnload() {
        requireAttached();
        String refusal = adapter.mergeRefusal();
        if (refusal != null) {
            throw new Lora4jException("merge", refusal);
        }
        if (!adapter.isMerged()) {
            adapter.merge();
        }
        adapter.detach();
        detached = true;
        return model();
    }

    /**
     * PEFT's unload: removes the adapter without merging, leaving the model as it was before. This object
     * must not be used afterwards.
     *
     * @return the model, as it was before the adapter was attached
     */
    public T5ForConditionalGeneration unload() {
        requireAttached();
        if (adapter.isMerged()) {
            adapter.unmerge();
        }
        adapter.detach();
        detached = true;
        return model();
    }

    /**
     * One line about the adapter.
     *
     * @return the adapter's settings and size, for logs and reports
     */
    public String describe() {
        requireAttached(); // sizes come from the adapter's tensors, which an unload frees
        return adapter.describe();
    }

    private void requireAttached() {
        if (detached) {
            throw new Lora4jException("peft", "the adapter was unloaded from the model");
        }
    }
}
