package dev.lora4j.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * Children named 0, 1, 2, … as PyTorch's nn.ModuleList (T5's {@code block} and {@code layer}).
 *
 * @param <M> the kind of module the list holds
 */
public final class ModuleList<M extends Module> extends Module {
    private final List<Slot<M>> items = new ArrayList<>();

    /**
     * Registers the modules as children 0, 1, 2, … in order; the list then owns them.
     *
     * @param kind the class each slot may hold
     * @param modules the children, none null
     */
    public ModuleList(Class<M> kind, List<? extends M> modules) {
        for (M m : modules) {
            items.add(registerChild(Integer.toString(items.size()), kind, m));
        }
    }

    /**
     * The module now in slot i (a replacement, if one was installed).
     *
     * @param i the index, in [0, size())
     * @return the module, still owned by this list
     */
    public M get(int i) {
        return items.get(i).get();
    }

    /**
     * The number of children.
     *
     * @return how many modules the list holds
     */
    public int size() {
        return items.size();
    }
}
