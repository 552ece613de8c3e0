package dev.lora4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.peft.PeftMethods;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares the settings a run directory was started with (run-config.json) against the command's, by
 * option: a refused resume names each option that differs, in the CLI's own flags. Housekeeping options
 * that cannot change the trained weights (how many checkpoints are kept, how often they are written or
 * metrics logged; --threads is not recorded at all) may change between attempts.
 */
final class RunSettings {
    /** run-config.json paths (dot-separated) and the flags that set them. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("model", "--model"), Map.entry("random_init", "--random-init"), Map.entry("init_seed", "--init-seed"),
            Map.entry("dtype", "--dtype"), Map.entry("tokenizer", "--tokenizer"), Map.entry("tokenizer_compat", "--tokenizer-compat"),
            Map.entry("train", "--train"), Map.entry("validation", "--validation"), Map.entry("method", "--method"),
            Map.entry("init_adapter", "--init-adapter"), Map.entry("prompt", "--prompt"),
            Map.entry("max_source_length", "--max-source-length"), Map.entry("max_target_length", "--max-target-length"),
            Map.entry("data.format", "--format"), Map.entry("data.limit", "--limit"), Map.entry("data.on_invalid", "--on-invalid"),
            Map.entry("data.dialogue_field", "--dialogue-field"), Map.entry("data.summary_field", "--summary-field"),
            Map.entry("data.id_field", "--id-field"),
            Map.entry("trainer.learningRate", "--lr"), Map.entry("trainer.beta1", "--beta1"), Map.entry("trainer.beta2", "--beta2"),
            Map.entry("trainer.eps", "--eps"), Map.entry("trainer.weightDecay", "--weight-decay"),
            Map.entry("trainer.schedule", "--schedule"), Map.entry("trainer.warmupSteps", "--warmup"),
            Map.entry("trainer.maxSteps", "--steps"), Map.entry("trainer.batchSize", "--batch-size"),
            Map.entry("trainer.gradAccumulation", "--grad-accum"), Map.entry("trainer.maxGradNorm", "--max-grad-norm"),
            Map.entry("trainer.shuffle", "--no-shuffle"), Map.entry("trainer.evalEvery", "--eval-every"),
            Map.entry("trainer.earlyStoppingPatience", "--patience"), Map.entry("trainer.checkpointEvery", "--checkpoint-every"),
            Map.entry("trainer.keepCheckpoints", "--keep-checkpoints"), Map.entry("trainer.logEvery", "--log-every"),
            Map.entry("trainer.seed", "--seed"));

    /** Settings that do not change what is trained: a resume may change them. */
    static final Set<String> HOUSEKEEPING = Set.of("trainer.keepCheckpoints", "trainer.checkpointEvery", "trainer.logEvery");

    private RunSettings() {}

    /** One entry per differing option, e.g. {@code --r (the run has 8, this command 4)}; empty if none differ. */
    static List<String> differences(JsonNode previous, JsonNode current) {
        Map<String, String> before = flatten(previous);
        Map<String, String> now = flatten(current);
        Set<String> keys = new LinkedHashSet<>(before.keySet());
        keys.addAll(now.keySet());
        List<String> out = new ArrayList<>();
        for (String key : keys) {
            if (HOUSEKEEPING.contains(key) || Objects.equals(before.get(key), now.get(key))) {
                continue;
            }
            out.add(flag(key) + " (the run has " + before.getOrDefault(key, "nothing") + ", this command "
                    + now.getOrDefault(key, "nothing") + ")");
        }
        return out;
    }

    /** The flag that sets a run-config.json path: the fixed ones, or a method's option for method_config.<field>. */
    private static String flag(String key) {
        String fixed = FLAGS.get(key);
        if (fixed != null) {
            return fixed;
        }
        if (key.startsWith("method_config.")) {
            String field = key.substring("method_config.".length());
            for (PeftMethod method : PeftMethods.all()) {
                for (ConfigOption option : method.options()) {
                    if (option.field().equals(field)) {
                        return option.name();
                    }
                }
            }
        }
        return key;
    }

    private static Map<String, String> flatten(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", node, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else {
            // Text form: a long written here and the int it reads back as print the same.
            out.put(prefix, node.toString());
        }
    }
}
