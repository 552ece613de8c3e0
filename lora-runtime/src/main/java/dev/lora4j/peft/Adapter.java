package dev.lora4j.peft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Tensor;
import java.util.Map;

/**
 * A method attached to a model: the wrapped layers and hooks it installed, its trainable tensors, and
 * the operations the facade ({@link PeftModel}) offers for every method. The model owns the tensors of
 * installed wrappers; {@link #detach()} removes everything the method added and frees it, leaving the
 * model exactly as it was before.
 */
public interface Adapter {
    /**
     * The configuration this adapter was attached with.
     *
     * @return the config, whose {@link MethodConfig#method()} is this adapter's method
     */
    MethodConfig config();

    /**
     * The model this adapter is installed in.
     *
     * @return the model (not owned by the adapter)
     */
    T5ForConditionalGeneration model();

    /**
     * The tensors the optimizer updates, by model state-dict name (or the method's own name).
     *
     * @return the trainable tensors, owned by the model or the adapter (the caller must not close them)
     */
    Map<String, Tensor> trainableParameters();

    /**
     * The adapter's tensors under the reference file's keys, as saved in adapter_model.safetensors. A
     * reparametrized method computes them (into the caller's scope); loading copies into them only for
     * the plain form attached with {@link MethodConfig#forSavedTensors()}.
     *
     * @return the tensors by safetensors key
     */
    Map<String, Tensor> stateDict();

    /**
     * What a checkpoint must hold to resume training exactly, when the state dict is not that: a method
     * trained through a reparametrization (an MLP producing its table) saves the MLP's output in the
     * reference file, but resumes from the MLP's own tensors, returned here by name. Null (the default):
     * the state dict is enough.
     *
     * @return the tensors to resume from by name, or null
     */
    default Map<String, Tensor> resumeState() {
        return null;
    }

    /**
     * The loss to train on for one micro-batch: by default the forward pass's cross-entropy. A method with
     * a regularizer over several passes (AdaMix's consistency term) runs forward as often as it needs.
     *
     * @param forward runs the model on the micro-batch (in training mode, keyed by key)
     * @param labels  the micro-batch's labels (B, T), -100 where no token is predicted
     * @param key     the micro-batch's random key, which {@link #train} was last called with
     * @return the scalar loss tensor to call backward on
     */
    default Tensor trainingLoss(java.util.function.Supplier<dev.lora4j.t5.T5Output> forward, Tensor labels, RandomKey key) {
        return forward.get().loss();
    }

    /**
     * adapter_config.json as the reference library writes it for this adapter.
     *
     * @param baseModelNameOrPath the base model's name or path, recorded in the config
     * @return a new JSON object
     */
    ObjectNode configJson(String baseModelNameOrPath);

    /**
     * Training mode: dropout on, masks keyed by key (call again before every micro-batch).
     *
     * @param key the micro-batch's random key
     */
    void train(RandomKey key);

    /** Evaluation mode: no dropout. */
    void eval();

    /**
     * Disabled, the model computes as its base alone (PEFT's disable_adapter).
     *
     * @param enabled whether the adapter takes part in the forward pass
     */
    void setEnabled(boolean enabled);

    /**
     * Why merging is impossible for this adapter, or null when {@link #merge()} works.
     *
     * @return the reason, or null; by default a refusal naming the method
     */
    default String mergeRefusal() {
        return config().method().name() + " cannot be merged into the base model's weights";
    }

    /** Folds the adapter into the base weights; the model then computes the same without it. */
    default void merge() {
        throw new dev.lora4j.Lora4jException("merge", mergeRefusal());
    }

    /** Undoes {@link #merge()}. */
    default void unmerge() {
        throw new dev.lora4j.Lora4jException("unmerge", mergeRefusal());
    }

    /**
     * Whether the adapter is currently folded into the base weights.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    boolean isMerged();

    /**
     * Removes the method from the model and frees its tensors. When merged, the merge stays (PEFT's
     * merge_and_unload); otherwise the model is exactly as before {@link PeftMethod#attach}.
     */
    void detach();

    /**
     * One line describing the adapter (settings and size), for logs and reports.
     *
     * @return the description
     */
    String describe();
}
