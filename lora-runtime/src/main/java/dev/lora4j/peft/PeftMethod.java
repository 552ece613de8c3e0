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
    /** The {@code peft_type} of adapter_config.json this method reads and writes (PEFT's name, e.g. LORA). */
    String peftType();

    /**
     * The method this one is a preset of, or null (the usual case). A preset has its own command-line name and
     * options but writes its owner's peft_type (PEFT has no DoRA type: DoRA is LORA with use_dora), so files of
     * that type are read by the owner alone and the preset needs no type of its own in the registry.
     */
    default PeftMethod presetOf() {
        return null;
    }

    /** The method's name on the command line ({@code --method lora}), lower case with dashes. */
    String name();

    /** One line for help texts. */
    String description();

    /** The configuration fields as command-line options, with PEFT's defaults. */
    List<ConfigOption> options();

    /**
     * Reads a configuration from adapter_config.json's object (or from command-line options gathered into
     * one by their JSON names). Strict: a field of the wrong type, an out-of-range value or a feature
     * lora4j does not implement is an error naming the field and source.
     *
     * @param source what json came from, for messages (a file path, or "the command line")
     */
    MethodConfig readConfig(ObjectNode json, String source);

    /**
     * Checks a config against a model before a fresh adapter is attached ({@link PeftModel#wrap}):
     * settings that would silently do nothing there (a target that matches no layer) are errors naming
     * the field ({@code field "target_modules"}). Adapters loaded from files are not held to this: PEFT
     * accepts what its own files say.
     */
    default void check(T5ForConditionalGeneration model, MethodConfig config) {}

    /**
     * Attaches a new adapter to model: freezes what the method freezes, wraps slots and adds hooks,
     * initialises its tensors from seed.
     */
    Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed);
}
