package dev.lora4j.nn;

/**
 * A layer that stands in a slot in place of another and computes with it (PEFT's BaseTunerLayer): it knows
 * the layer it wraps, so wrappers stack and a method can remove its own and put back exactly what was there.
 * The base is registered as the wrapper's transparent child, so the model's parameter names do not change
 * when a wrapper is installed.
 *
 * @param <M> the kind of layer wrapped, such as {@link LinearLayer}
 */
public interface LayerWrapper<M extends Module> {
    /**
     * The layer this wrapper computes with (itself possibly a wrapper).
     *
     * @return the wrapped layer, owned by this wrapper
     */
    M base();
}
