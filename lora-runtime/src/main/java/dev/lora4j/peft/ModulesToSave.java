package dev.lora4j.peft;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PEFT's modules_to_save for the methods that are not LoRA: every module whose path ends with one of the
 * names (PEFT's plain key.endswith, so "layer_norm" also takes final_layer_norm) is trained in full. PEFT
 * trains a copy and leaves the original in place; lora4j trains the base parameters themselves, which
 * computes and saves the same (file key {@code base_model.model.<path>.<param>}) but means disabling the
 * adapter does not switch these modules back to their original values.
 */
public final class ModulesToSave {
    private final Map<String, Tensor> parameters;
    private final List<Tensor> madeTrainable;

    private ModulesToSave(Map<String, Tensor> parameters, List<Tensor> madeTrainable) {
        this.parameters = parameters;
        this.madeTrainable = madeTrainable;
    }

    /**
     * Whether a method's target path is one of the modules to save (PEFT then leaves it untouched).
     *
     * @param names the modules_to_save names
     * @param path the target module's dotted path
     * @return true if some name appears in path as whole dot-separated components
     */
    public static boolean covers(List<String> names, String path) {
        return names.stream().anyMatch(m -> Pattern.compile("(^|.*\\.)" + Pattern.quote(m) + "($|\\..*)").matcher(path).matches());
    }

    /**
     * Marks the matching modules' parameters trainable.
     *
     * @param model the model whose modules are matched
     * @param names the modules_to_save names, matched as plain suffixes of module paths
     * @return the matched parameters, remembering which ones this call made trainable
     */
    public static ModulesToSave mark(T5ForConditionalGeneration model, List<String> names) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        List<Tensor> changed = new ArrayList<>();
        if (names.isEmpty()) {
            return new ModulesToSave(params, changed);
        }
        Map<String, Tensor> all = model.namedParameters();
        for (String path : model.namedModules().keySet()) {
            if (path.isEmpty() || names.stream().noneMatch(path::endsWith)) {
                continue;
            }
            all.forEach((name, t) -> {
                if (name.startsWith(path + ".") && !params.containsKey(name)) {
                    params.put(name, t);
                    if (!t.requiresGrad()) {
                        t.requiresGrad(true);
                        changed.add(t);
                    }
                }
            });
        }
        return new ModulesToSave(params, changed);
    }

    /**
     * Each name must match a module with parameters (PEFT would otherwise save nothing for it).
     *
     * @param model the model the names are checked against
     * @param names the modules_to_save names
     * @param method the method's name, for the error message
     * @throws Lora4jException naming the first name that matches no module with parameters
     */
    public static void check(T5ForConditionalGeneration model, List<String> names, String method) {
        for (String name : names) {
            boolean found = model.namedModules().entrySet().stream()
                    .anyMatch(e -> !e.getKey().isEmpty() && e.getKey().endsWith(name) && !e.getValue().namedParameters().isEmpty());
            if (!found) {
                throw new Lora4jException(method, "field \"modules_to_save\" names '" + name + "', which is no module of "
                        + "this model with parameters (examples: layer_norm, final_layer_norm, shared, lm_head)");
            }
        }
    }

    /**
     * The trained parameters by model name.
     *
     * @return the parameters by state-dict name, owned by the model
     */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /** Freezes again what {@link #mark} made trainable. */
    public void release() {
        madeTrainable.forEach(t -> t.requiresGrad(false));
    }

    /**
     * Writes modules_to_save into a config object: the list, or null as PEFT writes an empty one.
     *
     * @param o the adapter_config.json object to add the field to
     * @param names the modules_to_save names, written in order
     */
    public static void toJson(ObjectNode o, List<String> names) {
        if (names.isEmpty()) {
            o.putNull("modules_to_save");
        } else {
            ArrayNode a = o.putArray("modules_to_save");
            names.forEach(a::add);
        }
    }
}
