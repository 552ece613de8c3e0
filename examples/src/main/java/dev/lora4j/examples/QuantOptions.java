package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import dev.lora4j.quant.QuantConfig;
import dev.lora4j.quant.QuantType;
import dev.lora4j.tensor.DType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * QLoRA's 4-bit base (docs/QLORA.md): {@code --quantize nf4|fp4} quantizes the base model's linear layers as
 * they are loaded, as transformers' {@code BitsAndBytesConfig(load_in_4bit=True)} does, bit for bit. A
 * checkpoint that already stores 4-bit layers loads them as they are, with or without these options.
 */
final class QuantOptions {
    @Option(names = "--quantize", paramLabel = "TYPE",
            description = "Quantize the base's linear layers to 4 bits at load: nf4 (QLoRA's NormalFloat) or fp4. Default: no quantization.")
    String quantize;

    @Option(names = "--double-quant", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Double quantization of the 4-bit scales (8-bit blocks of 256); with --quantize (default: on).")
    boolean doubleQuant;

    @Option(names = "--quant-blocksize", paramLabel = "N", defaultValue = "64",
            description = "Values per 4-bit block, a power of two in [32, 4096] (default: ${DEFAULT-VALUE}).")
    int blocksize;

    @Option(names = "--compute-dtype", paramLabel = "DTYPE", defaultValue = "float32",
            description = "dtype 4-bit layers dequantize into and multiply in: float32, bfloat16 or float16 (default: ${DEFAULT-VALUE}).")
    String computeDType;

    @Option(names = "--keep-modules", paramLabel = "NAMES", defaultValue = "wo,lm_head",
            description = "Linear layers left unquantized, by name (comma-separated; default: ${DEFAULT-VALUE}, transformers' T5 rule).")
    String keepModules;

    /** The quantization asked for, or null without --quantize. Checks every value. */
    QuantConfig config() {
        if (quantize == null) {
            return null;
        }
        DType compute = switch (computeDType.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32" -> DType.FLOAT32;
            case "bfloat16", "bf16" -> DType.BFLOAT16;
            case "float16", "fp16" -> DType.FLOAT16;
            default -> throw new Lora4jException("cli", "--compute-dtype must be float32, bfloat16 or float16, got " + computeDType);
        };
        List<String> keep = Arrays.stream(keepModules.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new QuantConfig(QuantType.parse(quantize), blocksize, doubleQuant, compute, keep);
    }
}
