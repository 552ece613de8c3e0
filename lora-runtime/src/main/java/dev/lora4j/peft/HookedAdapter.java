package dev.lora4j.peft;

import dev.lora4j.nn.RandomKey;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import java.util.ArrayList;
import java.util.List;

/**
 * What every method that attaches through the model's hooks (not by replacing layers) shares: the
 * registrations of its hooks and of the tensors it hands to the model, removed in reverse order by
 * {@link #detach()}; the enabled switch; the training key of the current pass; no merge. Prompt tuning,
 * P-tuning, both prefix tunings, bottleneck adapters and AdaMix extend it.
 */
public abstract class HookedAdapter implements Adapter {
    private final T5ForConditionalGeneration model;
    private final List<T5Hooks.Registration> registrations = new ArrayList<>();
    private boolean enabled = true;
    private RandomKey trainingKey; // null: evaluation

    /**
     * Starts an adapter over model, enabled and in evaluation, with nothing registered yet.
     *
     * @param model the model the subclass installs its hooks in; not owned
     */
    protected HookedAdapter(T5ForConditionalGeneration model) {
        this.model = model;
    }

    /**
     * Hands resource to the model (closed with it if the adapter is never detached); returns it.
     *
     * @param <R> the resource's type
     * @param resource the resource to close on {@link #detach()} or with the model
     * @return resource itself
     */
    protected final <R extends AutoCloseable> R own(R resource) {
        registrations.add(model.hooks().own(resource));
        return resource;
    }

    /**
     * Keeps a hook's registration, to be removed by {@link #detach()}.
     *
     * @param registration the registration the model's hooks returned
     */
    protected final void hooked(T5Hooks.Registration registration) {
        registrations.add(registration);
    }

    /**
     * Whether the hooks apply (false: the model computes as its base, PEFT's disable_adapter).
     *
     * @return the switch last set by {@link #setEnabled}; true initially
     */
    protected final boolean enabled() {
        return enabled;
    }

    /**
     * The random key of the current training pass, or null in evaluation.
     *
     * @return the key last passed to {@link #train}, or null after {@link #eval()}
     */
    protected final RandomKey trainingKey() {
        return trainingKey;
    }

    /** Called when a pass's state must not carry over: after train, eval and detach. None by default. */
    protected void resetPass() {}

    @Override
    public T5ForConditionalGeneration model() {
        return model;
    }

    @Override
    public void train(RandomKey key) {
        model.train(key);
        trainingKey = key;
        resetPass();
    }

    @Override
    public void eval() {
        model.eval();
        trainingKey = null;
        resetPass();
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public boolean isMerged() {
        return false;
    }

    /** Removes the hooks and frees what was handed to the model, newest first; the model is as before. */
    @Override
    public void detach() {
        for (int i = registrations.size() - 1; i >= 0; i--) {
            registrations.get(i).close();
        }
        registrations.clear();
        resetPass();
    }
}
