package dev.lora4j.examples;

import dev.lora4j.io.FiniteCheck;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.CpuInfo;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Which model and tokenizer a command works on. {@code --model} names a local Hugging Face T5 checkpoint
 * directory (config.json + safetensors + tokenizer files), or with {@code --random-init} a randomly
 * initialised model of a config's shape (no pretrained weights can be downloaded everywhere: tests and
 * benchmarks use this). Random weights are never chosen implicitly: a config.json alone without the flag
 * is an error, and with it every command says so in its first lines.
 */
final class ModelOptions {
    enum Compat { FILE, TRANSFORMERS5 }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "A T5 checkpoint directory, or a config.json with --random-init.")
    Path model;

    @Option(names = "--random-init", description = "Build a randomly initialised model of --model's config (a config.json, or "
            + "a directory's) instead of loading weights: for tests and benchmarks, not for real summaries.")
    boolean randomInit;

    @Option(names = "--tokenizer", paramLabel = "PATH|byt5",
            description = "Tokenizer directory or file (tokenizer.json / spiece.model), or 'byt5' for bytes. Default: the model directory's.")
    String tokenizer;

    @Option(names = "--tokenizer-compat", paramLabel = "MODE", defaultValue = "file",
            description = "file: follow tokenizer.json as the tokenizers library and sentencepiece do (default); "
                    + "transformers5: the pipeline transformers 5.x rebuilds for T5 (docs/TOKENIZER.md).",
            converter = CompatConverter.class)
    Compat compat = Compat.FILE;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "float32",
            description = "Base weight dtype: float32, bfloat16 or float16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--init-seed", paramLabel = "SEED", defaultValue = "0",
            description = "Seed of the random initialisation when --model is a config alone (default: ${DEFAULT-VALUE}).")
    long initSeed;

    @Mixin
    QuantOptions quantOptions = new QuantOptions();

    private boolean weightsChecked; // eval loads the model once per method; the files are checked once

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads for libtorch (default: libtorch's choice).")
    Integer threads;

    static final class CompatConverter implements picocli.CommandLine.ITypeConverter<Compat> {
        @Override
        public Compat convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "file" -> Compat.FILE;
                case "transformers5", "transformers" -> Compat.TRANSFORMERS5;
                default -> throw new picocli.CommandLine.TypeConversionException("expected file or transformers5, got " + value);
            };
        }
    }

    Device device() {
        return Device.parse(device);
    }

    DType dtype() {
        return switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "fp32" -> DType.FLOAT32;
            case "bfloat16", "bf16" -> DType.BFLOAT16;
            case "float16", "fp16" -> DType.FLOAT16;
            default -> throw new Lora4jException("cli", "--dtype must be float32, bfloat16 or float16, got " + dtype);
        };
    }

    boolean isConfigOnly() {
        return Files.isRegularFile(model);
    }

    /**
     * Checks --model before any work and says, on err, when the model will be random: every command calls
     * this first, so the warning is among the first lines of its output.
     */
    void check(PrintStream err) {
        if (!Files.exists(model)) {
            throw new Lora4jException("cli", "--model " + model + " does not exist");
        }
        if (Files.isDirectory(model) && !Files.isRegularFile(model.resolve("config.json"))) {
            throw new Lora4jException("cli", "--model " + model + " holds no config.json: not a T5 checkpoint directory");
        }
        Path weightsDir = isConfigOnly() ? model.toAbsolutePath().getParent() : model;
        boolean weightsThere = hasWeights(weightsDir);
        if (isConfigOnly() && !randomInit) {
            throw new Lora4jException("cli", "--model " + model + " is a config.json alone, which gives a randomly initialised model"
                    + (weightsThere ? "; " + weightsDir + " holds the weights: pass -m " + weightsDir + " to load them"
                    : ": pass --random-init if that is what you want, or -m with a checkpoint directory"));
        }
        bfloat16Warning(CpuInfo.current(), device, dtype, quantOptions.quantize == null ? null : quantOptions.computeDType)
                .ifPresent(err::println);
        if (randomInit) {
            err.println("warning: --random-init: the model is randomly initialised (seed " + initSeed + ") with the shape of "
                    + configFile() + ", not loaded; its summaries are noise until trained");
            if (weightsThere) {
                err.println("warning: " + weightsDir + " holds model weights, which --random-init ignores: drop --random-init "
                        + "and pass -m " + weightsDir + " to use them");
            }
        }
    }

    /** The checkpoint, or with --random-init a random model of the config's shape; 4-bit linear layers with --quantize. */
    T5ForConditionalGeneration loadModel() {
        applyThreads();
        check(new PrintStream(java.io.OutputStream.nullOutputStream()));
        if (randomInit) {
            return T5ForConditionalGeneration.fromConfig(T5Config.load(configFile()), initSeed, device(), dtype(), quantOptions.config());
        }
        // NaN/Inf in a weight would otherwise surface as empty summaries or a NaN loss, far from the cause.
        if (!weightsChecked) {
            FiniteCheck.directory(model);
            weightsChecked = true;
        }
        return T5ForConditionalGeneration.load(model, device(), dtype(), quantOptions.config());
    }

    /**
     * The warning for bfloat16 compute on a CPU without bfloat16 dot products (AVX512-BF16, AMX-BF16), where
     * libtorch converts every element to float32 and back and the step runs slower than in float32; empty
     * when the options ask for no bfloat16 on the CPU or the CPU has them.
     */
    static java.util.Optional<String> bfloat16Warning(CpuInfo cpu, String device, String dtype, String computeDType) {
        boolean cpuDevice = device == null || device.toLowerCase(java.util.Locale.ROOT).startsWith("cpu");
        String flag = isBfloat16(dtype) ? "--dtype " + dtype : isBfloat16(computeDType) ? "--compute-dtype " + computeDType : null;
        if (!cpuDevice || flag == null || cpu.hasBfloat16DotProducts() || cpu.flags().isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("warning: " + flag + " on this CPU (" + cpu.describe() + "): it has no bfloat16 dot products "
                + "(avx512_bf16 or amx_bf16), so libtorch converts each element to float32 and back and bfloat16 usually runs "
                + "slower than float32 here; keep bfloat16 for the memory it saves, or drop " + flag.split(" ")[0]);
    }

    private static boolean isBfloat16(String dtype) {
        return dtype != null && (dtype.equalsIgnoreCase("bfloat16") || dtype.equalsIgnoreCase("bf16"));
    }

    private Path configFile() {
        return isConfigOnly() ? model : model.resolve("config.json");
    }

    T5Config config() {
        return T5Config.load(configFile());
    }

    private static boolean hasWeights(Path dir) {
        return Files.isRegularFile(dir.resolve("model.safetensors")) || Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
    }

    Tokenizer loadTokenizer() {
        if ("byt5".equalsIgnoreCase(tokenizer)) {
            return ByT5Tokenizer.create();
        }
        Path source = tokenizer != null ? Path.of(tokenizer) : isConfigOnly() ? model.toAbsolutePath().getParent() : model;
        if (tokenizer == null && !hasTokenizerFiles(source)) {
            if (config().vocabSize() == 384) {
                return ByT5Tokenizer.create(); // a byte-level model, as the demo builds
            }
            throw new Lora4jException("cli", "no tokenizer.json or spiece.model next to " + model + ": pass --tokenizer");
        }
        return compat == Compat.TRANSFORMERS5
                ? T5Tokenizer.load(source, T5Tokenizer.Compatibility.TRANSFORMERS_5)
                : T5Tokenizer.load(source);
    }

    /** Where the tokenizer files are, to copy them next to a saved model; null for byte-level or none. */
    Path tokenizerDirectory() {
        if ("byt5".equalsIgnoreCase(tokenizer)) {
            return null;
        }
        Path source = tokenizer != null ? Path.of(tokenizer) : isConfigOnly() ? model.toAbsolutePath().getParent() : model;
        if (Files.isRegularFile(source)) {
            source = source.toAbsolutePath().getParent();
        }
        return hasTokenizerFiles(source) ? source : null;
    }

    void applyThreads() {
        if (threads != null) {
            if (threads < 1) {
                throw new Lora4jException("cli", "--threads must be positive, got " + threads);
            }
            NativeLibrary.setNumThreads(threads);
        }
    }

    static boolean hasTokenizerFiles(Path dir) {
        return Files.isDirectory(dir)
                && (Files.isRegularFile(dir.resolve("tokenizer.json")) || Files.isRegularFile(dir.resolve("spiece.model")));
    }
}
