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
 */
public record QuantConfig(QuantType type, int blocksize, boolean doubleQuant, DType computeDType, List<String> keepModules) {
    /** transformers' T5 defaults: wo and lm_head stay in the model's dtype. */
    public static final List<String> T5_KEEP = List.of("wo", "lm_head");

    public QuantConfig {
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
            throw new Lora4jException("quantize", "block size must be a power of two in [32, 4096], got " + blocksize);
        }
        if (computeDType != DType.FLOAT32 && computeDType != DType.BFLOAT16 && computeDType != DType.FLOAT16) {
            throw new Lora4jException("quantize", "compute dtype must be float32, bfloat16 or float16, got " + computeDType);
        }
        keepModules = List.copyOf(keepModules);
    }

    /** QLoRA's setting: NF4, blocks of 64, double quantization, float32 compute, T5's kept modules. */
    public static QuantConfig qlora() {
        return new QuantConfig(QuantType.NF4, 64, true, DType.FLOAT32, T5_KEEP);
    }

    public QuantConfig withType(QuantType t) {
        return new QuantConfig(t, blocksize, doubleQuant, computeDType, keepModules);
    }

    public QuantConfig withBlocksize(int b) {
        return new QuantConfig(type, b, doubleQuant, computeDType, keepModules);
    }

    public QuantConfig withDoubleQuant(boolean d) {
        return new QuantConfig(type, blocksize, d, computeDType, keepModules);
    }

    public QuantConfig withComputeDType(DType d) {
        return new QuantConfig(type, blocksize, doubleQuant, d, keepModules);
    }

    public QuantConfig withKeepModules(List<String> keep) {
        return new QuantConfig(type, blocksize, doubleQuant, computeDType, keep);
    }

    /** Whether the layer at path stays unquantized. */
    public boolean keeps(String path) {
        for (String name : keepModules) {
            if (path.equals(name) || path.endsWith("." + name)) {
                return true;
            }
        }
        return false;
    }
}
