package dev.lora4j.t5;

import dev.lora4j.nn.Activation;
import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.NamedParameter;
import dev.lora4j.tensor.Tensor;
import java.util.Map;

/**
 * T5 v1.1 / FLAN-T5 feed-forward: wo(dropout(act(wi_0(x)) · wi_1(x))), act = gelu_new (tanh GELU)
 * for "gated-gelu".
 */
final class T5DenseGatedActDense implements T5FeedForward {
    private final LinearSlot wi0;
    private final LinearSlot wi1;
    private final LinearSlot wo;
    private final Activation activation;

    T5DenseGatedActDense(String path, T5Config config, T5Weights weights) {
        double factor = config.initializerFactor();
        long dModel = config.dModel();
        long dFf = config.dFf();
        double inputStd = factor * Math.pow(dModel, -0.5);
        this.wi0 = new LinearSlot(path + ".wi_0", weights.linear(path + ".wi_0", dFf, dModel, inputStd));
        this.wi1 = new LinearSlot(path + ".wi_1", weights.linear(path + ".wi_1", dFf, dModel, inputStd));
        this.wo = new LinearSlot(path + ".wo",
                weights.linearKeptInFloat32(path + ".wo", dModel, dFf, factor * Math.pow(dFf, -0.5)));
        this.activation = Activation.fromName(config.denseActFn());
    }

    @Override
    public Tensor forward(Tensor x, Dropout dropout) {
        Tensor gate = activation.apply(wi0.get().forward(x)); // (B, T, d_ff)
        Tensor linear = wi1.get().forward(x); // (B, T, d_ff)
        Tensor hidden = dropout.apply(gate.mul(linear)); // (B, T, d_ff)
        return wo.get().forward(T5FeedForward.toOutputDType(hidden, wo)); // (B, T, d_model)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        for (LinearSlot slot : new LinearSlot[] {wi0, wi1, wo}) {
            for (NamedParameter p : slot.get().parameters()) {
                out.put(slot.path() + "." + p.name(), p.tensor());
            }
        }
    }

    @Override
    public void collectLinearSlots(Map<String, LinearSlot> out) {
        out.put(wi0.path(), wi0);
        out.put(wi1.path(), wi1);
        out.put(wo.path(), wo);
    }

    @Override
    public void close() {
        wi0.get().close();
        wi1.get().close();
        wo.get().close();
    }
}
