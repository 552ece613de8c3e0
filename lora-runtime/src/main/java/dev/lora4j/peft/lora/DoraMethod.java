package dev.lora4j.peft.lora;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.t5.T5ForConditionalGeneration;
import java.util.List;

/**
 * DoRA under its own name ({@code --method dora}): LoRA with use_dora set, and nothing else. PEFT has no DoRA
 * type (DoRA is {@code LoraConfig(use_dora=True)}, peft_type LORA), so this is a preset of {@link LoraMethod}:
 * it takes LoRA's options, reads a config as LoRA does and sets use_dora, and attaches through LoRA. Its
 * files are ordinary LoRA files with {@code "use_dora": true}, read back by {@link LoraMethod} (the registry's
 * owner of peft_type LORA), which gives a DoRA config again.
 */
public final class DoraMethod implements PeftMethod {
    /** The instance DoRA configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final DoraMethod INSTANCE = new DoraMethod();

    @Override
    public String peftType() {
        return LoraMethod.PEFT_TYPE;
    }

    @Override
    public PeftMethod presetOf() {
        return LoraMethod.INSTANCE;
    }

    @Override
    public String name() {
        return "dora";
    }

    @Override
    public String description() {
        return "DoRA: LoRA with a trainable magnitude per output row (PEFT's LoraConfig with use_dora)";
    }

    @Override
    public List<ConfigOption> options() {
        return LoraMethod.INSTANCE.options();
    }

    /** LoRA's reading, with use_dora set whatever the object says (the method's name asks for DoRA). */
    @Override
    public LoraConfig readConfig(ObjectNode json, String source) {
        return LoraMethod.INSTANCE.readConfig(json, source).withDora(true);
    }

    @Override
    public void check(T5ForConditionalGeneration model, MethodConfig config) {
        LoraMethod.INSTANCE.check(model, config);
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        return LoraMethod.INSTANCE.attach(model, config, seed);
    }
}
