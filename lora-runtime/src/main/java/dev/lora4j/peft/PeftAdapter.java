package dev.lora4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.AtomicFiles;
import dev.lora4j.io.JsonFields;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Lora4jException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * LoRA adapters in PEFT's on-disk format, so they move both ways between lora4j and Python:
 * {@code adapter_config.json} (PEFT's LoraConfig fields) and {@code adapter_model.safetensors} (keys
 * {@code base_model.model.<module path>.lora_A.weight}). Files are written to a temp file and renamed.
 */
public final class PeftAdapter {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapter() {}

    /** Saves the adapter of lora into dir (created if missing). */
    public static void save(LoraModel lora, Path dir, String baseModelNameOrPath) {
        try {
            Files.createDirectories(dir);
            byte[] config = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(configJson(lora, baseModelNameOrPath));
            AtomicFiles.write(dir.resolve(CONFIG_FILE), config);
        } catch (IOException e) {
            throw new Lora4jException("peft_save", dir + ": cannot write " + CONFIG_FILE + ": " + e.getMessage(), e);
        }
        TensorFiles.save(lora.adapterStateDict(), Map.of("format", "pt"), dir.resolve(WEIGHTS_FILE));
    }

    private static ObjectNode configJson(LoraModel lora, String baseModelNameOrPath) {
        LoraConfig c = lora.config();
        ObjectNode o = JSON.createObjectNode();
        o.put("peft_type", "LORA");
        o.put("task_type", "SEQ_2_SEQ_LM");
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("r", c.r());
        o.put("lora_alpha", c.loraAlpha());
        o.put("lora_dropout", c.loraDropout());
        switch (c.targetModules()) {
            case LoraConfig.TargetModules.Regex regex -> o.put("target_modules", regex.pattern().pattern());
            case LoraConfig.TargetModules.Names names -> {
                ArrayNode a = o.putArray("target_modules");
                new TreeSet<>(names.names()).forEach(a::add);
            }
            case LoraConfig.TargetModules.AllLinear all -> {
                // As PEFT does after resolving "all-linear": the names of the modules it adapted.
                ArrayNode a = o.putArray("target_modules");
                Set<String> suffixes = new TreeSet<>();
                lora.adapters().keySet().forEach(p -> suffixes.add(p.substring(p.lastIndexOf('.') + 1)));
                suffixes.forEach(a::add);
            }
        }
        o.put("bias", c.bias().peftName);
        o.put("use_rslora", c.useRslora());
        switch (c.initLoraWeights()) {
            case DEFAULT -> o.put("init_lora_weights", true);
            case GAUSSIAN -> o.put("init_lora_weights", "gaussian");
            case RANDOM -> o.put("init_lora_weights", false);
        }
        if (c.modulesToSave().isEmpty()) {
            o.putNull("modules_to_save");
        } else {
            ArrayNode a = o.putArray("modules_to_save");
            c.modulesToSave().forEach(a::add);
        }
        o.put("fan_in_fan_out", false);
        o.put("use_dora", false);
        o.put("inference_mode", true);
        o.putNull("layers_to_transform");
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        return o;
    }

    /** Reads adapter_config.json, rejecting PEFT features lora4j does not implement. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new Lora4jException("peft_load", dir + " holds no " + CONFIG_FILE + ": not a PEFT adapter directory");
        }
        JsonNode o;
        try {
            o = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Lora4jException("peft_load", file + ": cannot read: " + e.getMessage(), e);
        }
        if (o == null || !o.isObject()) {
            throw new Lora4jException("peft_load", file + ": not a JSON object");
        }
        String type = o.path("peft_type").asText("LORA");
        if (!type.equals("LORA")) {
            throw new Lora4jException("peft_load", file + ": peft_type " + type + " is not supported (only LORA)");
        }
        unsupported(file, o, "use_dora", n -> JsonFields.optionalBoolean(o, "use_dora", false, file), "DoRA");
        unsupported(file, o, "fan_in_fan_out", n -> JsonFields.optionalBoolean(o, "fan_in_fan_out", false, file),
                "fan_in_fan_out (Conv1D layers)");
        unsupported(file, o, "lora_bias", n -> JsonFields.optionalBoolean(o, "lora_bias", false, file), "lora_bias");
        unsupported(file, o, "layers_to_transform", n -> !n.isNull(), "layers_to_transform");
        unsupported(file, o, "rank_pattern", n -> n.isObject() && !n.isEmpty(), "rank_pattern");
        unsupported(file, o, "alpha_pattern", n -> n.isObject() && !n.isEmpty(), "alpha_pattern");
        // Strict reads: a mistyped field is an error naming it, never a silent default or truncation.
        int r = JsonFields.requiredInt(o, "r", file);
        double alpha = JsonFields.optionalNumber(o, "lora_alpha", 8, file);
        double dropout = JsonFields.optionalNumber(o, "lora_dropout", 0, file);
        LoraConfig.TargetModules targets = targetModules(file, o.path("target_modules"));
        LoraConfig.Bias bias = LoraConfig.Bias.fromPeft(JsonFields.optionalString(o, "bias", "none", file));
        boolean rslora = JsonFields.optionalBoolean(o, "use_rslora", false, file);
        JsonNode init = o.path("init_lora_weights");
        LoraConfig.Init initWeights;
        if (init.isMissingNode() || init.isNull() || (init.isBoolean() && init.booleanValue())) {
            initWeights = LoraConfig.Init.DEFAULT;
        } else if (init.isBoolean()) {
            initWeights = LoraConfig.Init.RANDOM;
        } else if (init.isTextual() && init.textValue().equals("gaussian")) {
            initWeights = LoraConfig.Init.GAUSSIAN;
        } else {
            throw new Lora4jException("peft_load", file + ": field \"init_lora_weights\" must be true, false or \"gaussian\", got " + init);
        }
        List<String> modulesToSave = JsonFields.optionalStringList(o, "modules_to_save", file);
        try {
            return new LoraConfig(r, alpha, dropout, bias, rslora, initWeights, targets, modulesToSave);
        } catch (Lora4jException e) {
            throw new Lora4jException("peft_load", file + ": " + e.getMessage(), e);
        }
    }

    private static void unsupported(Path file, JsonNode o, String field, java.util.function.Predicate<JsonNode> used, String what) {
        JsonNode n = o.get(field);
        if (n != null && used.test(n)) {
            throw new Lora4jException("peft_load", file + ": " + what + " is not supported by lora4j");
        }
    }

    private static LoraConfig.TargetModules targetModules(Path file, JsonNode n) {
        if (n.isTextual()) {
            return n.asText().equals("all-linear") ? LoraConfig.TargetModules.allLinear() : LoraConfig.TargetModules.regex(n.asText());
        }
        if (n.isArray() && !n.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (JsonNode x : n) {
                if (!x.isTextual()) {
                    throw new Lora4jException("peft_load", file + ": \"target_modules\" must hold strings, got " + x);
                }
                names.add(x.textValue());
            }
            return new LoraConfig.TargetModules.Names(names);
        }
        throw new Lora4jException("peft_load", file + ": \"target_modules\" must be a non-empty list or a regex");
    }

    /**
     * Adds the adapter in dir to model (as {@link LoraModel#wrap}, then its saved weights), checking
     * that the file holds exactly the tensors the configuration implies, with matching shapes.
     */
    public static LoraModel load(T5ForConditionalGeneration model, Path dir) {
        LoraConfig config = readConfig(dir);
        LoraModel lora = LoraModel.wrap(model, config, 0);
        try {
            copyWeights(lora, dir.resolve(WEIGHTS_FILE));
        } catch (RuntimeException e) {
            lora.unload(); // leave the model as it was
            throw e;
        }
        return lora;
    }

    private static void copyWeights(LoraModel lora, Path weights) {
        try {
            TensorFiles.copyInto(lora.adapterStateDict(), weights);
        } catch (Lora4jException e) {
            String detail = e.getMessage().replaceFirst("^safetensors: ", "").replace("missing tensors", "missing adapter tensors");
            throw new Lora4jException("peft_load", detail, e);
        }
    }
}
