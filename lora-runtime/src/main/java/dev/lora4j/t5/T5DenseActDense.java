package dev.lora4j.t5;

import dev.lora4j.nn.Activation;
import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.NamedParameter;
import dev.lora4j.tensor.Tensor;
import java.util.Map;

/** T5 v1.0 feed-forward: wo(dropout(act(wi(x)))), act = relu for the original checkpoints. */
final class T5DenseActDense implements T5FeedForward {
    private final LinearSlot wi;
    private final LinearSlot wo;
    private final Activation activation;

    T5DenseActDense(String path, T5Config config, T5Weights weights) {
        double factor = config.initializerFactor();
        long dModel = config.dModel();
        long dFf = config.dFf();
        this.wi = new LinearSlot(path + ".wi", weights.linear(path + ".wi", dFf, dModel, factor * Math.pow(dModel, -0.5)));
        this.wo = new LinearSlot(path + ".wo",
                weights.linearKeptInFloat32(path + ".wo", dModel, dFf, factor * Math.pow(dFf, -0.5)));
        this.activation = Activation.fromName(config.denseActFn());
    }

    @Override
    public Tensor forward(Tensor x, Dropout dropout) {
        Tensor hidden = dropout.apply(activation.apply(wi.get().forward(x))); // (B, T, d_ff)
        return wo.get().forward(T5FeedForward.toOutputDType(hidden, wo)); // (B, T, d_model)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        for (LinearSlot slot : new LinearSlot[] {wi, wo}) {
            for (NamedParameter p : slot.get().parameters()) {
                out.put(slot.path() + "." + p.name(), p.tensor());
            }
        }
    }

    @Override
    public void collectLinearSlots(Map<String, LinearSlot> out) {
        out.put(wi.path(), wi);
        out.put(wo.path(), wo);
    }

    @Override
    public void close() {
        wi.get().close();
        wo.get().close();
    }
}
