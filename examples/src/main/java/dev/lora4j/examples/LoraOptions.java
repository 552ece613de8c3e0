package dev.lora4j.examples;

import dev.lora4j.peft.LoraConfig;
import dev.lora4j.tensor.Lora4jException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** PEFT's LoraConfig fields as options, with PEFT's defaults for T5 (r 8, alpha 8, q and v). */
final class LoraOptions {
    @Option(names = "--r", paramLabel = "R", defaultValue = "8", description = "LoRA rank, 1-256 (default: ${DEFAULT-VALUE}).")
    int r;

    @Option(names = "--alpha", paramLabel = "ALPHA", defaultValue = "8", description = "lora_alpha (default: ${DEFAULT-VALUE}); scale alpha/r.")
    double alpha;

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0", description = "Dropout on the adapter input (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--targets", paramLabel = "NAMES", defaultValue = "q,v",
            description = "target_modules: comma-separated name suffixes (q,k,v,o,wi,wo,wi_0,wi_1), all-linear, or regex:PATTERN "
                    + "(default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--lora-bias", paramLabel = "BIAS", defaultValue = "none", description = "none, all or lora_only (default: ${DEFAULT-VALUE}).")
    String bias;

    @Option(names = "--rslora", description = "Scale by alpha/sqrt(r) (rsLoRA).")
    boolean rslora;

    @Option(names = "--lora-init", paramLabel = "INIT", defaultValue = "default",
            description = "default (A Kaiming-uniform, B zero), gaussian, or random (B non-zero too) (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--modules-to-save", paramLabel = "NAMES", split = ",",
            description = "Modules trained fully and saved with the adapter (PEFT's modules_to_save).")
    List<String> modulesToSave = List.of();

    LoraConfig config() {
        OptionChecks.between("--r", r, 1, 256);
        OptionChecks.positive("--alpha", alpha);
        OptionChecks.inHalfOpen("--lora-dropout", dropout, 0, 1);
        if (!List.of("none", "all", "lora_only").contains(bias.toLowerCase(Locale.ROOT))) {
            throw new Lora4jException("cli", "--lora-bias must be none, all or lora_only, got " + bias);
        }
        return new LoraConfig(r, alpha, dropout, LoraConfig.Bias.fromPeft(bias.toLowerCase(Locale.ROOT)), rslora, initMode(),
                targetModules(targets), modulesToSave);
    }

    private LoraConfig.Init initMode() {
        return switch (init.toLowerCase(Locale.ROOT)) {
            case "default", "true" -> LoraConfig.Init.DEFAULT;
            case "gaussian" -> LoraConfig.Init.GAUSSIAN;
            case "random", "false" -> LoraConfig.Init.RANDOM;
            default -> throw new Lora4jException("cli", "--lora-init must be default, gaussian or random, got " + init);
        };
    }

    static LoraConfig.TargetModules targetModules(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("all-linear")) {
            return LoraConfig.TargetModules.allLinear();
        }
        if (t.startsWith("regex:")) {
            return LoraConfig.TargetModules.regex(t.substring("regex:".length()));
        }
        String[] names = Arrays.stream(t.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toArray(String[]::new);
        if (names.length == 0) {
            throw new Lora4jException("cli", "--targets names no modules");
        }
        return LoraConfig.TargetModules.names(names);
    }
}
