package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * Owns every tensor created on its thread while it is the innermost open scope; closing it frees
 * them. Scopes nest: {@link #keep(Tensor)} hands a tensor to the enclosing scope (or, from the
 * outermost one, to the caller, who then closes it). A scope is confined to the thread that opened
 * it, and scopes close in the reverse order they were opened: closing an outer scope closes any inner
 * ones still open first.
 *
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *     Tensor loss = model.loss(batch);   // intermediates belong to `step`
 *     loss.backward();
 *     lastLoss = loss.item();
 * }                                       // all of them freed here
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Thread thread = Thread.currentThread();
    private final Scope parent;
    private final LinkedHashSet<Tensor> owned = new LinkedHashSet<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
    }

    /**
     * Opens a scope nested in this thread's current one and makes it current.
     *
     * @return the new scope, which the caller closes (try-with-resources)
     */
    public static Scope open() {
        Scope scope = new Scope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /**
     * Runs {@code body} with no scope open on this thread, then makes the caller's scope current again. The
     * tensors it creates belong to no scope, so they outlive every scope the caller has open, and whoever
     * keeps them closes them: for long-lived tensors such as model weights, which must not die with the scope
     * a model happened to be loaded in. Scopes that {@code body} opens, it must close.
     *
     * @param <T> what {@code body} returns
     * @param body the code to run outside every scope
     * @return what {@code body} returned
     */
    public static <T> T detached(Supplier<T> body) {
        Scope saved = CURRENT.get();
        CURRENT.remove();
        try {
            return body.get();
        } finally {
            if (saved != null) {
                CURRENT.set(saved);
            } else {
                CURRENT.remove();
            }
        }
    }

    /**
     * This thread's innermost open scope.
     *
     * @return the current scope, or null if none is open on this thread
     */
    public static Scope current() {
        return CURRENT.get();
    }

    /**
     * Moves the tensor to the enclosing scope (or releases it to the caller) and returns it.
     *
     * @param tensor a tensor this scope owns
     * @return {@code tensor}, now owned by the parent scope, or by the caller if this scope is outermost
     * @throws Lora4jException if this scope does not own the tensor, or is called from another thread
     */
    public Tensor keep(Tensor tensor) {
        checkThread("keep");
        if (tensor.owner() != this) {
            throw new Lora4jException("scope", "keep: the tensor is not owned by this scope");
        }
        owned.remove(tensor);
        tensor.setOwner(parent);
        if (parent != null) {
            parent.owned.add(tensor);
        }
        return tensor;
    }

    /**
     * Tensors currently owned (not yet closed).
     *
     * @return how many tensors closing this scope would free
     */
    public int size() {
        return owned.size();
    }

    /**
     * Whether this scope has been closed.
     *
     * @return true once {@link #close()} has run
     */
    public boolean isClosed() {
        return closed;
    }

    void adopt(Tensor tensor) {
        owned.add(tensor);
    }

    void release(Tensor tensor) {
        owned.remove(tensor);
    }

    /**
     * Closes inner scopes still open, then frees every tensor this scope owns, newest first, and makes the
     * parent scope current; calling it again does nothing.
     *
     * @throws Lora4jException if called from another thread, or the first error from freeing a tensor
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkThread("close");
        // Inner scopes still open on this thread close first, so the stack stays consistent.
        for (Scope s = CURRENT.get(); s != null && s != this; s = CURRENT.get()) {
            if (!isAncestorOf(s)) {
                break;
            }
            s.close();
        }
        closed = true;
        List<Tensor> toFree = new ArrayList<>(owned);
        owned.clear();
        Lora4jException first = null;
        for (int i = toFree.size() - 1; i >= 0; i--) {
            Tensor t = toFree.get(i);
            t.setOwner(null);
            try {
                t.close();
            } catch (Lora4jException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (CURRENT.get() == this) {
            if (parent != null) {
                CURRENT.set(parent);
            } else {
                CURRENT.remove();
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private boolean isAncestorOf(Scope s) {
        for (Scope p = s.parent; p != null; p = p.parent) {
            if (p == this) {
                return true;
            }
        }
        return false;
    }

    private void checkThread(String what) {
        if (Thread.currentThread() != thread) {
            throw new Lora4jException("scope", what + ": a scope is confined to the thread that opened it ("
                    + thread.getName() + "), called from " + Thread.currentThread().getName());
        }
    }
}
