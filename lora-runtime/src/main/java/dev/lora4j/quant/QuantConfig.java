package dev.lora4j.quant;

import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.DType;

import java.util.List;

/**
 * How to quantize a model's linear layers to 4 bits, as transformers' {@code BitsAndBytesConfig(load_in_4bit=True,
 * ...)}: the 4-bit type ({@code bnb_4bit_quant_type}), block size, double quantization
 * ({@code bnb_4bit_use_double_quant}), the compute dtype ({@code bnb_4bit_compute_dtype}; transformers' default
 * is float32) and the modules kept in higher precision ({@code llm_int8_skip_modules}; for T5 transformers keeps
 * {@code wo} (its {@code _keep_in_fp32_modules}) and the output head {@code lm_head}). A layer is kept when its
 * path equals a name or ends with "." + name.
 *
 * @param type         the 4-bit code, FP4 or NF4
 * @param blocksize    elements per scale: a power of two in [32, 4096]
 * @param doubleQuant  whether the scales are quantized again to 8 bits
 * @param computeDType the dtype 4-bit layers compute in: float32, bfloat16 or float16
 * @param keepModules  names of layers left unquantized (matched against the end of a module path); copied
 */
public record QuantConfig(QuantType type, int blocksize, boolean doubleQuant, DType computeDType, List<String> keepModules) {
    /** transformers' T5 defaults: wo and lm_head stay in the model's dtype. */
    public static final List<String> T5_KEEP = List.of("wo", "lm_head");

    /**
     * Checks the block size and compute dtype and copies keepModules.
     *
     * @param type         the 4-bit code, FP4 or NF4
     * @param blocksize    elements per scale: a power of two in [32, 4096]
     * @param doubleQuant  whether the scales are quantized again to 8 bits
     * @param computeDType float32, bfloat16 or float16
     * @param keepModules  names of layers left unquantized; not null
     * @throws Lora4jException when the block size or compute dtype is out of range
     */
    public QuantConfig {
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
            throw new Lora4jException("quantize", "block size must be a power of two in [32, 4096], got " + blocksize);
        }
        if (computeDType != DType.FLOAT32 && computeDType != DType.BFLOAT16 && computeDType != DType.FLOAT16) {
            throw new Lora4jException("quantize", "compute dtype must be float32, bfloat16 or float16, got " + computeDType);
        }
        keepModules = List.copyOf(keepModules);
    }

    /**
     * QLoRA's setting: NF4, blocks of 64, double quantization, float32 compute, T5's kept modules.
     *
     * @return that configuration
     */
    public static QuantConfig qlora() {
        return new QuantConfig(QuantType.NF4, 64, true, DType.FLOAT32, T5_KEEP);
    }

    /**
     * A copy with another 4-bit code.
     *
     * @param t the new type
     * @return the changed copy
     */
    public QuantConfig withType(QuantType t) {
        return new QuantConfig(t, blocksize, doubleQuant, computeDType, keepModules);
    }

    /**
     * A copy with another block size.
     *
     * @param b the new blocksize, a power of two in [32, 4096]
     * @return the changed copy
     */
    public QuantConfig withBlocksize(int b) {
        return new QuantConfig(type, b, doubleQuant, computeDType, keepModules);
    }

    /**
     * A copy with double quantization switched on or off.
     *
     * @param d the new doubleQuant
     * @return the changed copy
     */
    public QuantConfig withDoubleQuant(boolean d) {
        return new QuantConfig(type, blocksize, d, computeDType, keepModules);
    }

    /**
     * A copy with another compute dtype.
     *
     * @param d the new computeDType: float32, bfloat16 or float16
     * @return the changed copy
     */
    public QuantConfig withComputeDType(DType d) {
        return new QuantConfig(type, blocksize, doubleQuant, d, keepModules);
    }

    /**
     * A copy with other kept modules.
     *
     * @param keep the new keepModules; copied
     * @return the changed copy
     */
    public QuantConfig withKeepModules(List<String> keep) {
        return new QuantConfig(type, blocksize, doubleQuant, computeDType, keep);
    }

    /**
     * Whether the layer at path stays unquantized.
     *
     * @param path a module path such as {@code encoder.block.0.layer.1.DenseReluDense.wo}
     * @return true when the path equals a kept name or ends with "." + one
     */
    public boolean keeps(String path) {
        for (String name : keepModules) {
            if (path.equals(name) || path.endsWith("." + name)) {
                return true;
            }
        }
        return false;
    }
}
