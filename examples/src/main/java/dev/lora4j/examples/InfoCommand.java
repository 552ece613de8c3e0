package dev.lora4j.examples;

import dev.lora4j.peft.LoraConfig;
import dev.lora4j.peft.LoraModel;
import dev.lora4j.peft.PeftAdapter;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Lora4jException;
import dev.lora4j.tensor.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The native library and devices; with --model, the model's shape and parameters; with --adapter, the adapter's config. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show the native library and devices; a model's parameters; an adapter's config and trainable share.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "PATH", description = "A checkpoint directory or a config.json.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter directory (with --model: trainable share).")
    Path adapter;

    @Override
    public Integer call() {
        System.out.println("native library: " + NativeLibrary.ensureLoaded());
        System.out.println("libtorch:       " + NativeLibrary.torchVersion());
        System.out.println("CPU threads:    " + NativeLibrary.numThreads());
        System.out.println("CUDA devices:   " + Cuda.deviceCount());
        System.out.println("java:           " + Runtime.version());
        if (adapter != null) {
            LoraConfig c = PeftAdapter.readConfig(adapter);
            System.out.printf(Locale.ROOT, "adapter:        %s%n  r %d, lora_alpha %s, lora_dropout %s, bias %s, rslora %s, init %s%n"
                            + "  target_modules %s%n  modules_to_save %s%n", adapter, c.r(), c.loraAlpha(), c.loraDropout(),
                    c.bias().peftName, c.useRslora(), c.initLoraWeights().name().toLowerCase(Locale.ROOT), c.targetModules(), c.modulesToSave());
        }
        if (model != null) {
            if (!Files.exists(model)) {
                throw new Lora4jException("cli", "--model " + model + " does not exist");
            }
            boolean configOnly = Files.isRegularFile(model);
            T5Config config = T5Config.load(configOnly ? model : model.resolve("config.json"));
            System.out.printf(Locale.ROOT, "model:          %s%s%n  d_model %d, d_ff %d, layers %d+%d, heads %d, vocab %d, %s%n", model,
                    configOnly ? " (config only: random weights)" : "", config.dModel(), config.dFf(), config.numLayers(),
                    config.numDecoderLayers(), config.numHeads(), config.vocabSize(), config.feedForwardProj());
            try (T5ForConditionalGeneration m = configOnly
                    ? T5ForConditionalGeneration.fromConfig(config, 0, Device.CPU, DType.FLOAT32)
                    : T5ForConditionalGeneration.load(model, Device.CPU, DType.FLOAT32)) {
                long total = m.namedParameters().values().stream().mapToLong(t -> t.numel()).sum();
                System.out.printf(Locale.ROOT, "  parameters     %,d (%.1f M)%n", total, total / 1e6);
                if (adapter != null) {
                    LoraModel lora = PeftAdapter.load(m, adapter);
                    long[] counts = lora.parameterCounts();
                    System.out.printf(Locale.ROOT, "  with adapter: trainable params: %,d || all params: %,d || trainable%%: %.4f (%d layers)%n",
                            counts[0], counts[1], 100.0 * counts[0] / counts[1], lora.adapters().size());
                }
            }
        }
        return 0;
    }
}
