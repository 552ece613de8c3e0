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
     * the model ({@link PeftMethod#check}); random initialisation and dropout derive from seed.
     */
    public static PeftModel wrap(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        config.method().check(model, config);
        return new PeftModel(config.method().attach(model, config, seed));
    }

    /**
     * Attaches the adapter saved in dir (adapter_config.json + adapter_model.safetensors) to model,
     * checking that the file holds exactly the tensors the config implies. On failure the model is left
     * as it was. seed keys the adapter's dropout when it is trained further.
     */
    public static PeftModel load(T5ForConditionalGeneration model, Path dir, long seed) {
        MethodConfig config = AdapterFiles.readConfig(dir).forSavedTensors();
        Adapter adapter = config.method().attach(model, config, seed);
        try {
            AdapterFiles.loadWeights(adapter, dir);
        } catch (RuntimeException e) {
            adapter.detach();
            throw e;
        }
        return new PeftModel(adapter);
    }

    /** The config saved in an adapter directory, read by the method its peft_type names. */
    public static MethodConfig readConfig(Path dir) {
        return AdapterFiles.readConfig(dir);
    }

    public Adapter adapter() {
        requireAttached();
        return adapter;
    }

    public MethodConfig config() {
        return adapter.config();
    }

    public PeftMethod method() {
        return adapter.config().method();
    }

    public T5ForConditionalGeneration model() {
        return adapter.model();
    }

    /** Saves the adapter into dir in the reference library's layout. */
    public void save(Path dir, String baseModelNameOrPath) {
        requireAttached();
        AdapterFiles.save(adapter, dir, baseModelNameOrPath);
    }

    public Map<String, Tensor> trainableParameters() {
        requireAttached();
        return adapter.trainableParameters();
    }

    /** The adapter's tensors under the reference file's keys. */
    public Map<String, Tensor> stateDict() {
        requireAttached();
        return adapter.stateDict();
    }

    /** (trainable, total) over the model's parameters and the adapter's own. */
    public ParameterCounts parameterCounts() {
        requireAttached();
        Set<Tensor> all = Collections.newSetFromMap(new IdentityHashMap<>());
        all.addAll(model().namedParameters().values());
        all.addAll(adapter.trainableParameters().values());
        return ParameterCounts.of(all);
    }

    public void train(RandomKey key) {
        requireAttached();
        adapter.train(key);
    }

    public void eval() {
        requireAttached();
        adapter.eval();
    }

    public void setEnabled(boolean enabled) {
        requireAttached();
        adapter.setEnabled(enabled);
    }

    /** Why this adapter cannot merge, or null when it can. */
    public String mergeRefusal() {
        return adapter.mergeRefusal();
    }

    public void merge() {
        requireAttached();
        adapter.merge();
    }

    public void unmerge() {
        requireAttached();
        adapter.unmerge();
    }

    /** PEFT's merge_and_unload: folds the adapter into the base weights and removes it. */
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

    /** PEFT's unload: removes the adapter without merging, leaving the model as it was before. */
    public T5ForConditionalGeneration unload() {
        requireAttached();
        if (adapter.isMerged()) {
            adapter.unmerge();
        }
        adapter.detach();
        detached = true;
        return model();
    }

    /** One line about the adapter. */
    public String describe() {
        return adapter.describe();
    }

    private void requireAttached() {
        if (detached) {
            throw new Lora4jException("peft", "the adapter was unloaded from the model");
        }
    }
}
