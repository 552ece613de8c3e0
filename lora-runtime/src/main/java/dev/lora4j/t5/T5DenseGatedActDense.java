package dev.lora4j.t5;

import dev.lora4j.nn.Activation;
import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.SharedInputLinears;
import dev.lora4j.nn.Slot;
import dev.lora4j.tensor.Tensor;
import java.util.List;

/**
 * T5 v1.1 / FLAN-T5 feed-forward: wo(dropout(act(wi_0(x)) · wi_1(x))), act = gelu_new (tanh GELU)
 * for "gated-gelu".
 */
final class T5DenseGatedActDense extends T5FeedForward {
    private final Slot<LinearLayer> wi0;
    private final Slot<LinearLayer> wi1;
    private final Slot<LinearLayer> wo;
    private final Activation activation;

    T5DenseGatedActDense(String path, T5Config config, T5Weights weights) {
        double factor = config.initializerFactor();
        long dModel = config.dModel();
        long dFf = config.dFf();
        double inputStd = factor * Math.pow(dModel, -0.5);
        this.wi0 = registerChild("wi_0", LinearLayer.class, weights.linear(path + ".wi_0", dFf, dModel, inputStd));
        this.wi1 = registerChild("wi_1", LinearLayer.class, weights.linear(path + ".wi_1", dFf, dModel, inputStd));
        this.wo = registerChild("wo", LinearLayer.class,
                weights.linearKeptInFloat32(path + ".wo", dModel, dFf, factor * Math.pow(dFf, -0.5)));
        this.activation = Activation.fromName(config.denseActFn());
    }

    @Override
    Tensor forward(Tensor x, Dropout dropout) {
        List<Tensor> in = SharedInputLinears.forward(List.of(wi0.get(), wi1.get()), x); // 2 × (B, T, d_ff)
        Tensor hidden = dropout.apply(activation.applyAndMultiply(in.get(0), in.get(1))); // (B, T, d_ff)
        return wo.get().forward(toOutputDType(hidden, wo.get())); // (B, T, d_model)
    }
}
