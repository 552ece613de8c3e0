package dev.lora4j.nn;

import dev.lora4j.Lora4jException;
import java.util.Objects;

/**
 * Where a parent keeps one child module: the parent reads the child from here on every forward, so a
 * method can swap in a wrapper (LoRA around a linear layer, a trainable copy of a norm) without the
 * parent knowing, and put the original back later.
 *
 * @param <M> what the slot may hold (a replacement must be of this kind and compute the same shapes)
 */
public final class Slot<M extends Module> {
    private final String name;
    private final Class<M> kind;
    private M module;

    Slot(String name, Class<M> kind, M module) {
        this.name = name;
        this.kind = kind;
        this.module = kind.cast(Objects.requireNonNull(module, name));
    }

    /**
     * The segment of the state-dict path this slot contributes ("" for a transparent one).
     *
     * @return the segment, such as {@code q} or {@code 0}
     */
    public String name() {
        return name;
    }

    /**
     * What this slot may hold.
     *
     * @return the class every module in this slot must be an instance of
     */
    public Class<M> kind() {
        return kind;
    }

    /**
     * The module the slot holds now.
     *
     * @return the current module (never null), owned by the slot's parent
     */
    public M get() {
        return module;
    }

    /**
     * Installs replacement and returns the module it replaces, which the caller now owns (a wrapper usually
     * holds it as its base). The parent owns the replacement and closes it with itself.
     *
     * @param replacement the module to install; must be of this slot's kind and compute the same shapes
     * @return the module that was in the slot
     * @throws Lora4jException if the replacement is of the wrong kind or does not compute the same shapes
     */
    public M replace(M replacement) {
        Objects.requireNonNull(replacement, "replacement");
        if (!kind.isInstance(replacement)) {
            throw new Lora4jException("replace", name + ": a " + replacement.getClass().getSimpleName()
                    + " cannot stand where a " + kind.getSimpleName() + " is expected");
        }
        if (!replacement.canReplace(module)) {
            throw new Lora4jException("replace", name + ": " + replacement + " does not compute the shapes of " + module);
        }
        M previous = module;
        module = replacement;
        return previous;
    }
}
