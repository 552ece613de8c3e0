package dev.lora4j.examples;

import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.peft.PeftMethods;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.CpuInfo;
import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
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

    @Option(names = "--adapter", paramLabel = "DIR", description = "An adapter directory (with --model: trainable share).")
    Path adapter;

    @Option(names = "--methods", description = "List the parameter-efficient methods (finetune --method) and their options.")
    boolean methods;

    @picocli.CommandLine.Mixin
    QuantOptions quantOptions = new QuantOptions();

    @Override
    public Integer call() {
        System.out.println("native library: " + NativeLibrary.ensureLoaded());
        System.out.println("libtorch:       " + NativeLibrary.torchVersion());
        System.out.println("CPU threads:    " + NativeLibrary.numThreads());
        System.out.println("CPU GEMM:       " + NativeLibrary.cpuGemmLibrary() + " (float32 products with frozen weights; "
                + "LORA4J_CPU_GEMM=aten|onednn|auto)");
        CpuInfo cpu = CpuInfo.current();
        System.out.println("CPU:            " + cpu.describe());
        System.out.println("CPU bfloat16:   " + (cpu.flags().isEmpty() ? "unknown"
                : cpu.hasBfloat16DotProducts() ? "yes (--dtype bfloat16 runs on bfloat16 dot products)"
                : "no (--dtype bfloat16 saves memory but runs slower than float32 here)"));
        System.out.println("CUDA devices:   " + Cuda.deviceCount());
        System.out.println("java:           " + Runtime.version());
        if (methods) {
            System.out.println("methods:        full (full fine-tuning) and");
            for (PeftMethod m : PeftMethods.all()) {
                System.out.printf(Locale.ROOT, "  %-12s %s (peft_type %s)%n", m.name(), m.description(), m.peftType());
                m.presets().forEach(p -> System.out.printf(Locale.ROOT, "  %-12s %s: %s with %s%n", p.name(), p.description(),
                        m.name(), p.fields()));
                m.options().forEach(o -> System.out.printf(Locale.ROOT, "      %-22s %s%n", String.join(", ", o.names()),
                        o.description() + (o.defaultValue() == null ? "" : " (default: " + o.defaultValue() + ")")));
            }
        }
        if (adapter != null) {
            MethodConfig c = PeftModel.readConfig(adapter);
            System.out.printf(Locale.ROOT, "adapter:        %s%n  method %s (peft_type %s)%n", adapter, c.method().name(),
                    c.method().peftType());
            c.toJson().properties().forEach(e -> {
                if (!e.getKey().equals("peft_type")) {
                    System.out.printf(Locale.ROOT, "  %s %s%n", e.getKey(), e.getValue());
                }
            });
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
                    ? T5ForConditionalGeneration.fromConfig(config, 0, Device.CPU, DType.FLOAT32, quantOptions.config())
                    : T5ForConditionalGeneration.load(model, Device.CPU, DType.FLOAT32, quantOptions.config())) {
                long total = ParameterCounts.of(m.namedParameters().values()).total();
                System.out.printf(Locale.ROOT, "  parameters     %,d (%.1f M)%n", total, total / 1e6);
                printBytesByLayerType(m);
                if (adapter != null) {
                    PeftModel peft = PeftModel.load(m, adapter, 0);
                    ParameterCounts counts = peft.parameterCounts();
                    System.out.printf(Locale.ROOT, "  with adapter: trainable params: %,d || all params: %,d || trainable%%: %.4f (%s)%n",
                            counts.trainable(), counts.total(), counts.trainablePercent(), peft.describe());
                }
            }
        }
        return 0;
    }

    /** Weight bytes per kind of layer (Linear4bit: codes, scales and their metadata), e.g. to see what --quantize saves. */
    private static void printBytesByLayerType(T5ForConditionalGeneration m) {
        java.util.Map<String, long[]> byType = new java.util.TreeMap<>(); // type -> {bytes, layers}
        m.namedModules().values().forEach(module -> {
            long bytes = 0;
            for (var t : module.ownParameters().values()) {
                bytes += t.numel() * t.dtype().byteSize();
            }
            if (bytes > 0) {
                long[] row = byType.computeIfAbsent(module.getClass().getSimpleName(), k -> new long[2]);
                row[0] += bytes;
                row[1]++;
            }
        });
        System.out.println("  bytes by layer type:");
        byType.forEach((type, row) -> System.out.printf(Locale.ROOT, "    %-12s %,15d bytes in %d layers%n", type, row[0], row[1]));
    }
}
