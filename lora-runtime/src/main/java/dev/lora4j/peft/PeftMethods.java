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
 * once; two methods claiming one type or name are an error naming both classes. A preset of another
 * method ({@link PeftMethod#presetOf()}, dora of lora) has a name of its own but claims no type.
 */
public final class PeftMethods {
    private static final List<PeftMethod> METHODS = load();

    private PeftMethods() {}

    private static List<PeftMethod> load() {
        Map<String, PeftMethod> byType = new LinkedHashMap<>();
        Map<String, PeftMethod> byName = new LinkedHashMap<>();
        List<PeftMethod> methods = new ArrayList<>();
        for (PeftMethod m : ServiceLoader.load(PeftMethod.class, PeftMethod.class.getClassLoader())) {
            // A preset (dora) shares its owner's peft_type: only owners claim types.
            PeftMethod sameType = m.presetOf() != null ? null : byType.putIfAbsent(m.peftType(), m);
            PeftMethod sameName = byName.putIfAbsent(m.name(), m);
            if (sameType != null || sameName != null) {
                PeftMethod other = sameType != null ? sameType : sameName;
                throw new Lora4jException("methods", m.getClass().getName() + " and " + other.getClass().getName()
                        + " both claim peft_type " + m.peftType() + " / name " + m.name());
            }
            methods.add(m);
        }
        return Collections.unmodifiableList(methods);
    }

    /** Every registered method, in discovery order. */
    public static List<PeftMethod> all() {
        return METHODS;
    }

    /** The method that reads adapter files of this peft_type, or an error listing the supported ones. */
    public static PeftMethod forType(String peftType) {
        for (PeftMethod m : METHODS) {
            if (m.presetOf() == null && m.peftType().equals(peftType)) {
                return m;
            }
        }
        throw new Lora4jException("methods", "peft_type \"" + peftType + "\" is not supported; lora4j reads "
                + METHODS.stream().filter(m -> m.presetOf() == null).map(PeftMethod::peftType)
                .collect(Collectors.joining(", ")));
    }

    /** The method with this command-line name, or an error listing the names. */
    public static PeftMethod forName(String name) {
        for (PeftMethod m : METHODS) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new Lora4jException("methods", "unknown method \"" + name + "\"; the methods are "
                + METHODS.stream().map(PeftMethod::name).collect(Collectors.joining(", ")));
    }
}
