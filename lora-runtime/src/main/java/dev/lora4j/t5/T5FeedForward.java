package dev.lora4j.t5;

import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.Module;
import dev.lora4j.tensor.Tensor;

/**
 * T5's position-wise feed-forward network (transformers' DenseReluDense module): d_model → d_ff →
 * d_model, either plain ({@link T5DenseActDense}, T5 v1.0) or gated ({@link T5DenseGatedActDense},
 * T5 v1.1 and FLAN-T5).
 */
abstract class T5FeedForward extends Module {
    /** x (B, T, d_model) → (B, T, d_model); dropout applies to the d_ff activations. */
    abstract Tensor forward(Tensor x, Dropout dropout);

    /** The FFN a config asks for, with parameters named under path (…DenseReluDense). */
    static T5FeedForward create(String path, T5Config config, T5Weights weights) {
        return config.isGatedAct()
                ? new T5DenseGatedActDense(path, config, weights)
                : new T5DenseActDense(path, config, weights);
    }

    /** Casts the activations to the dtype wo computes in (float32 when wo is kept so under float16). */
    static Tensor toOutputDType(Tensor hidden, LinearLayer wo) {
        var wanted = wo.computeDType();
        return hidden.dtype() == wanted ? hidden : hidden.to(wanted);
    }
}
