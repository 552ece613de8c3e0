package dev.lora4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.AtomicFiles;
import dev.lora4j.io.StrictJson;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.tensor.Scope;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Adapter directories in PEFT's layout, for every method: {@code adapter_config.json} (the method's
 * config with {@code peft_type}) and {@code adapter_model.safetensors} (the adapter's tensors under the
 * reference's keys). Reading dispatches on peft_type through {@link PeftMethods}; files are written to a
 * temporary file and renamed, so a failed save never leaves half a file.
 */
public final class AdapterFiles {
    /** The config file's name in an adapter directory. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** PEFT's weights file name, the default of {@link PeftMethod#weightsFile()}. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private AdapterFiles() {}

    /**
     * The method's config from dir/adapter_config.json, read by the method its type names: PEFT's
     * {@code peft_type}, or for AdapterHub's layout ({@code {"config": {"architecture": ...}, "version":
     * "adapters...."}}) {@code adapters:<architecture>}.
     *
     * @param dir the adapter directory
     * @return the parsed config
     * @throws Lora4jException if the file is missing, unreadable, not a JSON object, names no known method,
     *         or fails the method's checks
     */
    public static MethodConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        ObjectNode json = readJson(file);
        PeftMethod method;
        try {
            method = PeftMethods.forType(configType(json, file));
        } catch (Lora4jException e) {
            throw new Lora4jException("adapter config", file + ": " + e.getMessage(), e);
        }
        return method.readConfig(json, file.toString());
    }

    /** The registry type an adapter_config.json object names (see {@link #readConfig}). */
    static String configType(ObjectNode json, Path file) {
        JsonNode type = json.get("peft_type");
        if (type != null) {
            if (!type.isTextual()) {
                throw new Lora4jException("adapter config", file + ": \"peft_type\" is not a string");
            }
            return type.textValue();
        }
        JsonNode inner = json.get("config");
        if (inner != null && inner.isObject() && json.path("version").asText("").startsWith("adapters")) {
            JsonNode architecture = inner.get("architecture");
            // AdapterHub writes no architecture for bottleneck adapters (BnConfig's default).
            String name = architecture == null || architecture.isNull() ? "bottleneck" : architecture.asText();
            return "adapters:" + name;
        }
        throw new Lora4jException("adapter config", file + ": \"peft_type\" is missing (neither a PEFT adapter config "
                + "nor AdapterHub's, whose \"config\" object comes with a \"version\" of \"adapters.x.y.z\")");
    }

    private static ObjectNode readJson(Path file) {
        if (!Files.isRegularFile(file) && Files.isDirectory(file.getParent())) {
            throw new Lora4jException("adapter config", file.getParent() + " holds no " + CONFIG_FILE
                    + ": not an adapter directory (one holds " + CONFIG_FILE + " and " + WEIGHTS_FILE + ")");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Lora4jException("adapter config", file + ": no such file (an adapter directory holds "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE + ")", e);
        } catch (IOException e) {
            throw new Lora4jException("adapter config", file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = StrictJson.parse(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new Lora4jException("adapter config", file + ": not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new Lora4jException("adapter config", file + ": not a JSON object");
        }
        return (ObjectNode) root;
    }

    /**
     * Writes dir/adapter_config.json and the method's weights file (dir is created if missing).
     *
     * @param adapter the attached adapter to save
     * @param dir the adapter directory; existing files of the same names are replaced
     * @param baseModelNameOrPath the base model's name or path, recorded in the config
     * @throws Lora4jException if a file cannot be written
     */
    public static void save(Adapter adapter, Path dir, String baseModelNameOrPath) {
        try {
            Files.createDirectories(dir);
            byte[] config = StrictJson.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(adapter.configJson(baseModelNameOrPath));
            AtomicFiles.write(dir.resolve(CONFIG_FILE), config);
        } catch (IOException e) {
            throw new Lora4jException("adapter save", dir + ": cannot write " + CONFIG_FILE + ": " + e.getMessage(), e);
        }
        // A scope: a reparametrized method computes its state dict (an MLP's output) into new tensors.
        try (Scope scope = Scope.open()) {
            TensorFiles.save(adapter.stateDict(), Map.of("format", "pt"), dir.resolve(adapter.config().method().weightsFile()));
        }
    }

    /**
     * A directory whose weights exist only as a torch pickle (PEFT's adapter_model.bin, AdapterHub's
     * pytorch_adapter.bin) is refused: unpickling runs whatever code the file names, so lora4j never
     * reads one. The message says how to re-save it.
     */
    private static void refusePickleOnly(Path dir, String weights) {
        if (Files.exists(dir.resolve(weights))) {
            return;
        }
        for (String pickle : new String[] {"adapter_model.bin", "pytorch_adapter.bin"}) {
            if (Files.exists(dir.resolve(pickle))) {
                throw new Lora4jException("adapter load", dir.resolve(pickle) + ": a torch pickle, which lora4j does not "
                        + "read (loading a pickle can run arbitrary code); re-save the adapter as " + weights + " in Python: "
                        + (pickle.startsWith("pytorch_adapter") ? "model.save_adapter(dir, name, use_safetensors=True)"
                                : "model.save_pretrained(dir, safe_serialization=True)"));
            }
        }
    }

    /**
     * Copies dir/adapter_model.safetensors into the adapter's tensors, requiring exactly the tensors its
     * state dict names, with matching shapes.
     *
     * @param adapter the attached adapter to fill
     * @param dir the adapter directory holding the method's weights file
     * @throws Lora4jException if the file is missing, only a torch pickle, or its tensors differ in names or shapes
     */
    public static void loadWeights(Adapter adapter, Path dir) {
        String weights = adapter.config().method().weightsFile();
        refusePickleOnly(dir, weights);
        try (Scope scope = Scope.open()) {
            TensorFiles.copyInto(adapter.stateDict(), dir.resolve(weights));
        } catch (Lora4jException e) {
            String detail = e.getMessage().replaceFirst("^safetensors: ", "").replace("missing tensors", "missing adapter tensors");
            throw new Lora4jException("adapter load", detail, e);
        }
    }
}
