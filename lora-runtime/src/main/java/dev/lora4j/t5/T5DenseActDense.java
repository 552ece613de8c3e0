package dev.lora4j.t5;

import dev.lora4j.nn.Activation;
import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.Slot;
import dev.lora4j.tensor.Tensor;

/** T5 v1.0 feed-forward: wo(dropout(act(wi(x)))), act = relu for the original checkpoints. */
final class T5DenseActDense extends T5FeedForward {
    private final Slot<LinearLayer> wi;
    private final Slot<LinearLayer> wo;
    private final Activation activation;

    T5DenseActDense(String path, T5Config config, T5Weights weights) {
        double factor = config.initializerFactor();
        long dModel = config.dModel();
        long dFf = config.dFf();
        this.wi = registerChild("wi", LinearLayer.class,
                weights.linear(path + ".wi", dFf, dModel, factor * Math.pow(dModel, -0.5)));
        this.wo = registerChild("wo", LinearLayer.class,
                weights.linearKeptInFloat32(path + ".wo", dModel, dFf, factor * Math.pow(dFf, -0.5)));
        this.activation = Activation.fromName(config.denseActFn());
    }

    @Override
    Tensor forward(Tensor x, Dropout dropout) {
        Tensor hidden = dropout.apply(activation.apply(wi.get().forward(x))); // (B, T, d_ff)
        return wo.get().forward(toOutputDType(hidden, wo.get())); // (B, T, d_model)
    }
}
