package dev.lora4j.nn;

import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Several linear layers applied to one input (T5's q, k and v read the same normed hidden state).
 * When the layers can compute together ({@link Groupable}: LoRA adapters, which then run as one grouped
 * native call reading x once), they do; otherwise each layer runs on its own. Models call this instead
 * of the layers one by one, and stay unaware of what the layers are.
 */
public final class SharedInputLinears {
    private SharedInputLinears() {}

    /** A layer that knows how to compute with others of its kind on a shared input. */
    public interface Groupable {
        /**
         * The outputs of layers (which include this one) for x, in order, or null when they cannot be grouped
         * (then each runs alone).
         *
         * @param layers the layers sharing the input, this one among them
         * @param x the shared input (..., in)
         * @return one new tensor (..., out_j) per layer in order, or null if they cannot be grouped
         */
        List<Tensor> forwardGroup(List<LinearLayer> layers, Tensor x);
    }

    /**
     * x (..., in) → every layer's output (..., out_j), in the order of layers.
     *
     * @param layers the layers to apply, all reading {@code x}
     * @param x the shared input (..., in)
     * @return one new tensor per layer, in order
     */
    public static List<Tensor> forward(List<LinearLayer> layers, Tensor x) {
        for (LinearLayer layer : layers) {
            if (layer instanceof Groupable g) {
                List<Tensor> outputs = g.forwardGroup(layers, x);
                if (outputs != null) {
                    return outputs;
                }
                break;
            }
        }
        List<Tensor> outputs = new ArrayList<>(layers.size());
        for (LinearLayer layer : layers) {
            outputs.add(layer.forward(x));
        }
        return outputs;
    }
}
