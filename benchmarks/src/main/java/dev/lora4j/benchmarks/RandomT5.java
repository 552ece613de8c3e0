package dev.lora4j.benchmarks;

import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;

/**
 * The base model of the training-step benchmarks: FLAN-T5 of a shape with random weights (seed 0), the
 * model dropout of the config or the one asked for, on libtorch's requested thread count. Shared so the
 * LoRA and per-method benchmarks train the same base as benchmarks/python does.
 */
final class RandomT5 {
    static final long MODEL_SEED = 0;

    private RandomT5() {}

    /** Sets libtorch's intra-op threads, failing when libtorch does not take the count (the Python side uses it too). */
    static void useThreads(int threads) {
        NativeLibrary.ensureLoaded();
        NativeLibrary.setNumThreads(threads);
        if (NativeLibrary.numThreads() != threads) {
            throw new IllegalStateException("libtorch threads: " + NativeLibrary.numThreads() + ", wanted " + threads);
        }
    }

    /** flan-t5-{shape}'s config; modelDropout &lt; 0 keeps its dropout rate (0.1). */
    static T5Config config(String shape, double modelDropout) {
        T5Config config = BenchData.flanT5(shape);
        return modelDropout >= 0 ? BenchData.withDropoutRate(config, modelDropout) : config;
    }

    static DType dtype(String name) {
        return switch (name) {
            case "float32" -> DType.FLOAT32;
            case "bfloat16" -> DType.BFLOAT16;
            default -> throw new IllegalArgumentException("dtype must be float32 or bfloat16, got " + name);
        };
    }

    static T5ForConditionalGeneration build(T5Config config, Device device, String dtype) {
        return T5ForConditionalGeneration.fromConfig(config, MODEL_SEED, device, dtype(dtype));
    }
}
