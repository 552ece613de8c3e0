package dev.lora4j.t5;

import dev.lora4j.nn.LinearLayer;
import dev.lora4j.tensor.Lora4jException;
import java.util.Objects;

/**
 * Where a model keeps one of its projections: the module reads the layer from here on every forward,
 * so the model can swap in another layer (a LoRA wrapper) by module path without rebuilding anything.
 */
final class LinearSlot {
    private final String path;
    private LinearLayer layer;

    LinearSlot(String path, LinearLayer layer) {
        this.path = path;
        this.layer = Objects.requireNonNull(layer, "layer");
    }

    String path() {
        return path;
    }

    LinearLayer get() {
        return layer;
    }

    /** Installs a replacement with the same in/out features; returns the previous layer. */
    LinearLayer replace(LinearLayer replacement) {
        Objects.requireNonNull(replacement, "replacement");
        if (replacement.inFeatures() != layer.inFeatures() || replacement.outFeatures() != layer.outFeatures()) {
            throw new Lora4jException("replace_linear", path + ": the replacement maps " + replacement.inFeatures()
                    + " -> " + replacement.outFeatures() + " features but the layer it replaces maps "
                    + layer.inFeatures() + " -> " + layer.outFeatures());
        }
        LinearLayer previous = layer;
        layer = replacement;
        return previous;
    }
}
