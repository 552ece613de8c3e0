package dev.lora4j.peft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.t5.T5ForConditionalGeneration;
import java.util.List;

/**
 * A parameter-efficient method, found through {@link java.util.ServiceLoader} (see {@link PeftMethods}):
 * its configuration (read with the reference library's JSON names), how it attaches to a model, and
 * its command-line options. The trainer, the adapter files and the CLI reach every method through this
 * type and never name one.
 *
 * <p>To add a method: implement this interface and {@link Adapter}, and list the class in
 * {@code META-INF/services/dev.lora4j.peft.PeftMethod} (and {@code provides} in module-info.java).
 */
public interface PeftMethod {
    /**
     * The {@code peft_type} of adapter_config.json this method reads and writes (PEFT's name, e.g. LORA).
     * A method whose reference is AdapterHub (whose files carry no peft_type) returns
     * {@code adapters:<architecture>}, after the {@code "architecture"} its config holds
     * ({@link AdapterFiles#configType}).
     *
     * @return the peft_type, e.g. {@code LORA}
     */
    String peftType();

    /**
     * The name of the weights file in the method's adapter directory: PEFT's adapter_model.safetensors
     * unless the method's reference names it otherwise (AdapterHub: adapter.safetensors).
     *
     * @return the file name, relative to the adapter directory
     */
    default String weightsFile() {
        return AdapterFiles.WEIGHTS_FILE;
    }

    /**
     * The method's name on the command line ({@code --method lora}), lower case with dashes.
     *
     * @return the name, unique among methods
     */
    String name();

    /**
     * One line for help texts.
     *
     * @return the method's description
     */
    String description();

    /**
     * The configuration fields as command-line options, with PEFT's defaults.
     *
     * @return the options, in help order
     */
    List<ConfigOption> options();

    /**
     * Further names --method accepts for this method, each with some fields preset. None by default.
     *
     * @return the presets, possibly empty
     */
    default List<MethodPreset> presets() {
        return List.of();
    }

    /**
     * Reads a configuration from adapter_config.json's object (or from command-line options gathered into
     * one by their JSON names). Strict: a field of the wrong type, an out-of-range value or a feature
     * lora4j does not implement is an error naming the field and source.
     *
     * @param json the config object, keyed by PEFT's JSON field names
     * @param source what json came from, for messages (a file path, or "the command line")
     * @return the validated config
     * @throws dev.lora4j.Lora4jException naming the field and source for a wrong type, an out-of-range
     *         value or an unsupported feature
     */
    MethodConfig readConfig(ObjectNode json, String source);

    /**
     * Checks a config against a model before a fresh adapter is attached ({@link PeftModel#wrap}):
     * settings that would silently do nothing there (a target that matches no layer) are errors naming
     * the field ({@code field "target_modules"}). Adapters loaded from files are not held to this: PEFT
     * accepts what its own files say.
     *
     * @param model the model the adapter is about to be attached to
     * @param config this method's config
     * @throws dev.lora4j.Lora4jException naming the field when a setting would do nothing on model
     */
    default void check(T5ForConditionalGeneration model, MethodConfig config) {}

    /**
     * Attaches a new adapter to model: freezes what the method freezes, wraps slots and adds hooks,
     * initialises its tensors from seed.
     *
     * @param model the model to modify in place; it owns the installed layers until {@link Adapter#detach()}
     * @param config this method's config
     * @param seed the seed of the adapter's random initialisation
     * @return the attached adapter
     */
    Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed);
}
