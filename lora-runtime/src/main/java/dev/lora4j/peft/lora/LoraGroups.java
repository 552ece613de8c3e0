package dev.lora4j.peft.lora;

import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * LoRA layers that read one input run as one grouped native call ({@link LoraOps#loraLinearGrouped}):
 * their dense base weights are packed into one (Σ out_j, in) GEMM, x is read once for every adapter,
 * and the backward computes dx with one GEMM. Layers of the set that are not LoRA (k when only q and v
 * are adapted) run on their own. The group draws its dropout masks from its first layer's key.
 *
 * <p>Off by default ({@code -Dlora4j.lora.grouped=true} turns it on): the base weights are separate
 * tensors, so every call concatenates them into a new packed weight, which autograd keeps until the
 * backward. At flan-t5-large with LoRA on q and v that is 48 copies of 8 MiB (384 MiB) held through every
 * step, plus the copying, for no measured gain on the CPU (docs/PERFORMANCE.md, issue 13 and issue 20).
 * Grouping pays once the weights are packed once, where the model keeps them.
 */
final class LoraGroups {
    private static volatile boolean enabled = Boolean.parseBoolean(System.getProperty("lora4j.lora.grouped", "false"));

    private LoraGroups() {}

    /** Switches grouping (tests compare both ways; the benchmark uses the system property). */
    static void setEnabled(boolean value) {
        enabled = value;
    }

    /** Whether grouping is on. */
    static boolean enabled() {
        return enabled;
    }

    /** Every layer's output for x, or null when fewer than two layers can be grouped. */
    static List<Tensor> forward(List<LinearLayer> layers, Tensor x) {
        if (!enabled) {
            return null;
        }
        List<LoraLinear> group = new ArrayList<>();
        for (LinearLayer layer : layers) {
            if (layer instanceof LoraLinear lora && lora.groupable()
                    && (group.isEmpty() || sameDropout(group.get(0), lora))) {
                group.add(lora);
            }
        }
        if (group.size() < 2) {
            return null;
        }
        Tensor[] weights = new Tensor[group.size()];
        List<LoraOps.Adapter> adapters = new ArrayList<>(group.size());
        for (int j = 0; j < group.size(); j++) {
            LoraLinear lora = group.get(j);
            weights[j] = ((Linear) lora.base()).weight();
            adapters.add(new LoraOps.Adapter(lora.loraA(), lora.loraB(), lora.scale()));
        }
        LoraLinear first = group.get(0);
        long offset = first.offsetFor(x.numel() * group.size());
        Tensor packed = Tensor.cat(0, weights); // (Σ out_j, in)
        Tensor y = LoraOps.loraLinearGrouped(x, packed, null, adapters, first.config().loraDropout(),
                first.dropoutSeed(), offset, first.dropoutActive()); // (..., Σ out_j)
        List<Tensor> outputs = new ArrayList<>(layers.size());
        long column = 0;
        int next = 0;
        for (LinearLayer layer : layers) {
            if (next < group.size() && layer == group.get(next)) {
                long out = layer.outFeatures();
                outputs.add(y.narrow(-1, column, out));
                column += out;
                next++;
            } else {
                outputs.add(layer.forward(x));
            }
        }
        return outputs;
    }

    private static boolean sameDropout(LoraLinear a, LoraLinear b) {
        return a.config().loraDropout() == b.config().loraDropout() && a.dropoutActive() == b.dropoutActive()
                && a.base().computeDType() == b.base().computeDType();
    }
}
