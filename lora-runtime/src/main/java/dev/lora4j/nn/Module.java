package dev.lora4j.nn;

import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A node of a model's module tree, in PyTorch's nn.Module sense: it names its own parameters and its
 * children, each under the segment the state dict uses ({@code q}, {@code layer}, {@code 0},
 * {@code SelfAttention}). Everything else is derived by one traversal of that tree: full parameter
 * names ({@code encoder.block.0.layer.0.SelfAttention.q.weight}), module paths, the replaceable
 * {@link Slot}s, and {@link #close()}. No subclass lists its parameters or children a second time.
 *
 * <p>A child registered under the empty name is transparent: its parameters and children appear
 * under the parent's own path. A wrapper layer registers the layer it wraps that way, so a LoRA
 * layer at {@code …q} still reports the base weight as {@code …q.weight} and adds {@code …q.lora_A.weight}.
 *
 * <p>A module owns its parameters and children: closing it frees them. Modules are not thread-safe.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Slot<?>> children = new LinkedHashMap<>();
    private boolean closed;

    /** Creates a module with no parameters or children yet; subclasses register theirs. */
    public Module() {
    }

    /**
     * Registers a parameter under its local state-dict name; the module then owns it and closes it with
     * itself.
     *
     * @param name the local name; may contain dots, e.g. {@code lora_A.weight}
     * @param tensor the parameter; must not be null
     * @return {@code tensor}
     * @throws Lora4jException if the name is already taken by a parameter or child
     */
    protected final Tensor registerParameter(String name, Tensor tensor) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new Lora4jException("module", getClass().getSimpleName() + ": \"" + name + "\" is registered twice");
        }
        parameters.put(name, java.util.Objects.requireNonNull(tensor, name));
        return tensor;
    }

    /**
     * Registers a child under its state-dict segment and returns the slot that holds it; the module then owns
     * the child and closes it with itself.
     *
     * @param <M> the kind of module the slot may hold
     * @param name the segment, such as {@code q} or {@code 0}; "" for a transparent child
     * @param kind the class any replacement must be an instance of
     * @param module the child; must not be null
     * @return the new slot holding {@code module}
     * @throws Lora4jException if the name is already taken by a parameter or child
     */
    protected final <M extends Module> Slot<M> registerChild(String name, Class<M> kind, M module) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new Lora4jException("module", getClass().getSimpleName() + ": \"" + name + "\" is registered twice");
        }
        Slot<M> slot = new Slot<>(name, kind, module);
        children.put(name, slot);
        return slot;
    }

    /**
     * This module's own parameters by local name, in registration order.
     *
     * @return an unmodifiable live view; the tensors stay owned by this module
     */
    public final Map<String, Tensor> ownParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * The slots of this module's direct children, by segment, in registration order.
     *
     * @return an unmodifiable live view of the slots
     */
    public final Map<String, Slot<?>> childSlots() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * Every parameter of the tree under its full dotted name, depth first in registration order (a module's
     * own parameters before its children's). A tensor reachable twice (a tied weight) is listed once, under
     * the first name.
     *
     * @return an unmodifiable snapshot; the tensors stay owned by their modules
     * @throws Lora4jException if this module is closed
     */
    public final Map<String, Tensor> namedParameters() {
        requireOpen();
        Map<String, Tensor> out = new LinkedHashMap<>();
        java.util.Set<Tensor> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        visit("", (path, module) -> module.parameters.forEach((name, t) -> {
            if (seen.add(t)) {
                out.put(join(path, name), t);
            }
        }));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Every module of the tree by path ("" for this one), parents before children.
     *
     * @return an unmodifiable snapshot; a transparent child shares its parent's path and is not listed
     * @throws Lora4jException if this module is closed
     */
    public final Map<String, Module> namedModules() {
        requireOpen();
        Map<String, Module> out = new LinkedHashMap<>();
        visit("", (path, module) -> out.putIfAbsent(path, module));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Every slot of the tree whose kind is kind (or a subtype of it) by the path of the module it holds, e.g.
     * all linear slots. Slots inside a wrapper (its base layer) are not listed: the wrapper stands where the
     * base stood.
     *
     * @param <M> the kind of module wanted
     * @param kind the class the slots' kind must be (or extend)
     * @return an unmodifiable snapshot by module path, in traversal order
     * @throws Lora4jException if this module is closed
     */
    public final <M extends Module> Map<String, Slot<M>> slots(Class<M> kind) {
        requireOpen();
        Map<String, Slot<M>> out = new LinkedHashMap<>();
        collectSlots("", kind, out);
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private <M extends Module> void collectSlots(String path, Class<M> kind, Map<String, Slot<M>> out) {
        for (Slot<?> slot : children.values()) {
            String childPath = join(path, slot.name());
            if (kind.isAssignableFrom(slot.kind())) {
                out.put(childPath, (Slot<M>) slot);
                continue; // a slot of the wanted kind: what it holds (perhaps a wrapper) is not searched
            }
            ((Module) slot.get()).collectSlots(childPath, kind, out);
        }
    }

    /**
     * The slot holding the module at a path, among {@link #slots(Class)}.
     *
     * @param <M> the kind of module wanted
     * @param path the module path, such as {@code encoder.block.0.layer.0.SelfAttention.q}
     * @param kind the class the slot's kind must be (or extend)
     * @return the slot
     * @throws Lora4jException naming the path if there is no such slot
     */
    public final <M extends Module> Slot<M> slot(String path, Class<M> kind) {
        Slot<M> slot = slots(kind).get(path);
        if (slot == null) {
            throw new Lora4jException("module", "no " + kind.getSimpleName() + " at \"" + path + "\"");
        }
        return slot;
    }

    private void visit(String path, BiConsumer<String, Module> action) {
        action.accept(path, this);
        for (Slot<?> slot : children.values()) {
            ((Module) slot.get()).visit(join(path, slot.name()), action);
        }
    }

    private static String join(String path, String name) {
        if (path.isEmpty()) {
            return name;
        }
        return name.isEmpty() ? path : path + "." + name;
    }

    /**
     * Whether this module may stand for other in a slot: it computes the same shapes. The base implementation
     * says yes; layers override it to compare their shapes.
     *
     * @param other the module now in the slot
     * @return true if this module may replace it
     */
    protected boolean canReplace(Module other) {
        return true;
    }

    /** Frees this module's parameters and every child (whatever the slots hold now). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        parameters.values().forEach(Tensor::close);
        for (Slot<?> slot : children.values()) {
            slot.get().close();
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once this module is closed
     */
    public final boolean isClosed() {
        return closed;
    }

    /**
     * Throws if this module has been closed; for subclasses to call before using their tensors.
     *
     * @throws Lora4jException if {@link #close()} was called
     */
    protected final void requireOpen() {
        if (closed) {
            throw new Lora4jException("module", getClass().getSimpleName() + " is closed");
        }
    }
}
