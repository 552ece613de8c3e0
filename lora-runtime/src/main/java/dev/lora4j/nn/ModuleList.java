package dev.lora4j.nn;

import java.util.ArrayList;
import java.util.List;

/** Children named 0, 1, 2, … as PyTorch's nn.ModuleList (T5's {@code block} and {@code layer}). */
public final class ModuleList<M extends Module> extends Module {
    private final List<Slot<M>> items = new ArrayList<>();

    public ModuleList(Class<M> kind, List<? extends M> modules) {
        for (M m : modules) {
            items.add(registerChild(Integer.toString(items.size()), kind, m));
        }
    }

    public M get(int i) {
        return items.get(i).get();
    }

    public int size() {
        return items.size();
    }
}
