package dev.lora4j.t5;

import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.quant.Linear4bit;
import dev.lora4j.quant.QuantConfig;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a T5 model's parameters come from while it is built: a checkpoint ({@link CheckpointWeights})
 * or a seeded random initialisation ({@link RandomWeights}). The modules ask for each parameter by its
 * Hugging Face name with the shape they expect and the initialisation transformers would give it; the
 * source either reads it or draws it. Every tensor it hands out is on the model's device, requires
 * grad (as transformers' parameters do), and belongs to no scope, so only the model frees it.
 */
abstract class T5Weights {
    protected final Device device;
    protected final DType dtype;
    private final List<Tensor> created = new ArrayList<>();
    private QuantConfig quant; // null: linear layers stay dense (unless the checkpoint stores them in 4 bits)

    T5Weights(Device device, DType dtype) {
        this.device = device;
        this.dtype = dtype;
    }

    /** How transformers initialises a fresh parameter. */
    sealed interface Init {
        record Normal(double std) implements Init {}

        record Constant(double value) implements Init {}
    }

    /** The parameter, created or read, in the given dtype on the model's device. */
    protected abstract Tensor produce(String name, long[] shape, DType dtype, Init init);

    /** Whether the model has an lm_head of its own (false: lm_head reuses shared.weight). */
    abstract boolean hasSeparateLmHead();

    /** Called once every parameter has been produced; a checkpoint reports what did not fit here. */
    void finish() {}

    /** A parameter drawn from N(0, std²) at initialisation; keepFloat32InHalf as transformers' _keep_in_fp32_modules. */
    Tensor normal(String name, long[] shape, double std, boolean keepFloat32InHalf) {
        return track(forKbitTraining(produce(name, shape, parameterDType(keepFloat32InHalf), new Init.Normal(std))));
    }

    /** A parameter filled with value at initialisation (layer norm scales). */
    Tensor constant(String name, long[] shape, double value) {
        return track(forKbitTraining(produce(name, shape, dtype, new Init.Constant(value))));
    }

    /**
     * Quantizes the linear layers the config does not keep to 4 bits as they are produced (the linear
     * factory at load: only one dense weight exists at a time), and holds every other parameter in float32
     * (PEFT's prepare_model_for_kbit_training).
     */
    void quantizeLinears(QuantConfig config) {
        this.quant = config;
    }

    /** The compute dtype of 4-bit layers: the quantization config's, float32 without one (transformers' default). */
    protected DType computeDType() {
        return quant != null ? quant.computeDType() : DType.FLOAT32;
    }

    /** A layer stored in 4 bits at path in the source, or null: only a checkpoint has such layers. */
    protected LinearLayer storedQuantized(String path, long out, long in) {
        return null;
    }

    /** A bias-free (out, in) projection named path + ".weight". */
    LinearLayer linear(String path, long out, long in, double std) {
        return linear(path, out, in, std, false);
    }

    /**
     * Like {@link #linear}, but kept in float32 when the model is float16: transformers does this for
     * T5's FFN output projection (wo), whose float16 products overflow in large T5 checkpoints.
     */
    LinearLayer linearKeptInFloat32(String path, long out, long in, double std) {
        return linear(path, out, in, std, true);
    }

    private LinearLayer linear(String path, long out, long in, double std, boolean keepFloat32InHalf) {
        LinearLayer stored = storedQuantized(path, out, in);
        if (stored != null) {
            stored.namedParameters().values().forEach(created::add);
            return stored;
        }
        if (quant == null || quant.keeps(path)) {
            return new Linear(normal(path + ".weight", new long[] {out, in}, std, keepFloat32InHalf), null);
        }
        // Quantized from the weight as loaded in the model's dtype, as transformers quantizes what it loaded.
        Tensor weight = track(produce(path + ".weight", new long[] {out, in}, parameterDType(keepFloat32InHalf), new Init.Normal(std)));
        Linear dense = new Linear(weight, null);
        Linear4bit quantized = Linear4bit.quantize(dense, quant.type(), quant.blocksize(), quant.doubleQuant(), quant.computeDType());
        quantized.namedParameters().values().forEach(created::add);
        dense.close(); // the dense weight is freed at once: a model quantizes layer by layer
        return quantized;
    }

    /** Whether linear layers are quantized to 4 bits as they are produced. */
    boolean quantizes() {
        return quant != null;
    }

        /** Frees everything produced so far (a build that failed half way). */
    void closeCreated() {
        for (Tensor t : created) {
            t.close(); // idempotent: a dense weight already freed after quantizing is skipped
        }
        created.clear();
    }

    /**
     * With a 4-bit base, every parameter that is not quantized (embeddings, norms, the kept linear layers) is
     * read in the model's dtype, as transformers loads it, and then held in float32, as PEFT's
     * prepare_model_for_kbit_training casts it. A float32 model is unchanged.
     */
    private Tensor forKbitTraining(Tensor t) {
        if (quant == null || t.dtype() == DType.FLOAT32) {
            return t;
        }
        try (t) {
            return t.to(DType.FLOAT32);
        }
    }

    private DType parameterDType(boolean keepFloat32InHalf) {
        return keepFloat32InHalf && dtype == DType.FLOAT16 ? DType.FLOAT32 : dtype;
    }

    private Tensor track(Tensor t) {
        created.add(t);
        return t.requiresGrad(true);
    }
}
