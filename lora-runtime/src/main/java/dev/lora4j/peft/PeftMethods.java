package dev.lora4j.peft;

import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The registry of methods: every {@link PeftMethod} that {@link ServiceLoader} finds on the class or
 * module path, looked up by adapter_config.json's {@code peft_type} or by command-line name. Loaded
 * once; two methods claiming one type or name are an error naming both classes.
 */
public final class PeftMethods {
    private static final List<PeftMethod> METHODS = load();

    private PeftMethods() {}

    private static List<PeftMethod> load() {
        Map<String, PeftMethod> byType = new LinkedHashMap<>();
        Map<String, PeftMethod> byName = new LinkedHashMap<>();
        List<PeftMethod> methods = new ArrayList<>();
        for (PeftMethod m : ServiceLoader.load(PeftMethod.class, PeftMethod.class.getClassLoader())) {
            PeftMethod sameType = byType.putIfAbsent(m.peftType(), m);
            PeftMethod sameName = byName.putIfAbsent(m.name(), m);
            if (sameType != null || sameName != null) {
                PeftMethod other = sameType != null ? sameType : sameName;
                throw new Lora4jException("methods", m.getClass().getName() + " and " + other.getClass().getName()
                        + " both claim peft_type " + m.peftType() + " / name " + m.name());
            }
            for (MethodPreset preset : m.presets()) {
                PeftMethod sameName2 = byName.putIfAbsent(preset.name(), m);
                if (sameName2 != null) {
                    throw new Lora4jException("methods", m.getClass().getName() + " offers preset " + preset.name()
                            + ", a name " + sameName2.getClass().getName() + " also claims");
                }
            }
            methods.add(m);
        }
        return Collections.unmodifiableList(methods);
    }

    /**
     * Every registered method, in discovery order.
     *
     * @return an unmodifiable list of the methods
     */
    public static List<PeftMethod> all() {
        return METHODS;
    }

    /**
     * The method that reads adapter files of this peft_type, or an error listing the supported ones.
     *
     * @param peftType the type as {@link PeftMethod#peftType()} spells it, e.g. {@code LORA}
     * @return the method
     * @throws Lora4jException if no method reads that type
     */
    public static PeftMethod forType(String peftType) {
        for (PeftMethod m : METHODS) {
            if (m.peftType().equals(peftType)) {
                return m;
            }
        }
        throw new Lora4jException("methods", "peft_type \"" + peftType + "\" is not supported; lora4j reads "
                + METHODS.stream().map(PeftMethod::peftType).collect(Collectors.joining(", ")));
    }

    /**
     * The method with this command-line name (its own or one of its presets'), or an error listing the names.
     *
     * @param name the --method value, e.g. {@code lora} or {@code dora}
     * @return the method
     * @throws Lora4jException if no method or preset has that name
     */
    public static PeftMethod forName(String name) {
        for (PeftMethod m : METHODS) {
            if (m.name().equals(name) || m.presets().stream().anyMatch(p -> p.name().equals(name))) {
                return m;
            }
        }
        throw new Lora4jException("methods", "unknown method \"" + name + "\"; the methods are " + String.join(", ", names()));
    }

    /**
     * The preset this command-line name stands for; empty for a method's own name (or an unknown one).
     *
     * @param name the --method value
     * @return the preset, or empty
     */
    public static java.util.Optional<MethodPreset> preset(String name) {
        return METHODS.stream().flatMap(m -> m.presets().stream()).filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * Every name --method accepts: each method's own name followed by its presets'.
     *
     * @return a new list of the names
     */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (PeftMethod m : METHODS) {
            names.add(m.name());
            m.presets().forEach(p -> names.add(p.name()));
        }
        return names;
    }
}
