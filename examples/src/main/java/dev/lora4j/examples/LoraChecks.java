package dev.lora4j.examples;

import dev.lora4j.peft.LoraConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Lora4jException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import picocli.CommandLine.ParseResult;

/**
 * LoRA settings that would otherwise be ignored without a word: options given next to --init-adapter
 * (whose own adapter_config.json decides), and --modules-to-save entries that name no module.
 */
final class LoraChecks {
    private LoraChecks() {}

    /**
     * Every LoRA option given on the command line must agree with the adapter --init-adapter starts from:
     * the adapter's config is what trains, so a differing option would be dropped silently.
     */
    static void initAdapterAgrees(LoraConfig adapter, Path configFile, LoraOptions options, ParseResult parsed) {
        LoraConfig given = options.config();
        List<String> conflicts = new ArrayList<>();
        compare(parsed, "--r", given.r(), adapter.r(), "r", conflicts);
        compare(parsed, "--alpha", given.loraAlpha(), adapter.loraAlpha(), "lora_alpha", conflicts);
        compare(parsed, "--lora-dropout", given.loraDropout(), adapter.loraDropout(), "lora_dropout", conflicts);
        compare(parsed, "--targets", targets(given.targetModules()), targets(adapter.targetModules()), "target_modules", conflicts);
        compare(parsed, "--lora-bias", given.bias().peftName, adapter.bias().peftName, "bias", conflicts);
        compare(parsed, "--rslora", given.useRslora(), adapter.useRslora(), "use_rslora", conflicts);
        compare(parsed, "--modules-to-save", new TreeSet<>(given.modulesToSave()), new TreeSet<>(adapter.modulesToSave()),
                "modules_to_save", conflicts);
        if (parsed.hasMatchedOption("--lora-init")) {
            conflicts.add("--lora-init has no effect: the weights come from the adapter");
        }
        if (!conflicts.isEmpty()) {
            throw new Lora4jException("cli", "--init-adapter " + configFile.getParent() + " decides the LoRA settings, but "
                    + String.join("; ", conflicts) + ": drop those options or give the adapter's values");
        }
    }

    private static void compare(ParseResult parsed, String option, Object given, Object adapter, String field, List<String> out) {
        if (parsed.hasMatchedOption(option) && !Objects.equals(given, adapter)) {
            out.add(option + " is " + given + " but its \"" + field + "\" is " + adapter);
        }
    }

    private static String targets(LoraConfig.TargetModules t) {
        return switch (t) {
            case LoraConfig.TargetModules.Names names -> String.join(",", new TreeSet<>(names.names()));
            case LoraConfig.TargetModules.Regex regex -> "regex:" + regex.pattern().pattern();
            case LoraConfig.TargetModules.AllLinear all -> "all-linear";
        };
    }

    /**
     * Each name of --targets must match some linear layer: PEFT only fails when none matches, so a typo
     * in one of several names would leave that layer silently unadapted.
     */
    static void targetsMatch(T5ForConditionalGeneration model, LoraConfig.TargetModules targets) {
        if (!(targets instanceof LoraConfig.TargetModules.Names names)) {
            return;
        }
        for (String name : names.names()) {
            boolean found = model.linearLayers().keySet().stream().anyMatch(path -> path.equals(name) || path.endsWith("." + name));
            if (!found) {
                throw new Lora4jException("cli", "--targets names '" + name + "', which matches no linear layer of this model "
                        + "(T5's are q, k, v, o, wi or wi_0/wi_1, wo, lm_head)");
            }
        }
    }

    /**
     * Each modules_to_save entry must name a module holding parameters (as PEFT matches it: the module
     * path or its last parts). {@code lm_head} of a model whose head is tied to the embeddings has no
     * weight of its own, so training it would train nothing.
     *
     * @param source where the list came from, e.g. {@code --modules-to-save}
     */
    static void modulesToSave(T5ForConditionalGeneration model, List<String> modules, String source) {
        for (String module : modules) {
            if (module.equals("lm_head") && model.isLmHeadTied()) {
                throw new Lora4jException("cli", source + " names lm_head, but this model's head is tied to the input embeddings "
                        + "(tie_word_embeddings): it has no weight of its own; name shared to train the embeddings (and so the head)");
            }
            boolean found = model.namedParameters().keySet().stream()
                    .anyMatch(name -> name.startsWith(module + ".") || name.contains("." + module + "."));
            if (!found) {
                throw new Lora4jException("cli", source + " names '" + module + "', which is no module of this model with parameters "
                        + "(examples: shared, lm_head, encoder.final_layer_norm, decoder.block.0.layer.2.DenseReluDense.wo)");
            }
        }
    }
}
