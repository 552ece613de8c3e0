package dev.lora4j.examples;

import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Lora4jException;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Which model and tokenizer a command works on. {@code --model} names a local Hugging Face T5 checkpoint
 * directory (config.json + safetensors + tokenizer files) or a config.json alone, which builds a randomly
 * initialised model of that shape (no pretrained weights can be downloaded everywhere: tests and
 * benchmarks use this).
 */
final class ModelOptions {
    enum Compat { FILE, TRANSFORMERS5 }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "A T5 checkpoint directory, or a config.json alone (random initialisation).")
    Path model;

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

    /** The checkpoint, or a random model of the config's shape. */
    T5ForConditionalGeneration loadModel() {
        applyThreads();
        if (!Files.exists(model)) {
            throw new Lora4jException("cli", "--model " + model + " does not exist");
        }
        if (isConfigOnly()) {
            return T5ForConditionalGeneration.fromConfig(T5Config.load(model), initSeed, device(), dtype());
        }
        return T5ForConditionalGeneration.load(model, device(), dtype());
    }

    T5Config config() {
        return T5Config.load(isConfigOnly() ? model : model.resolve("config.json"));
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
