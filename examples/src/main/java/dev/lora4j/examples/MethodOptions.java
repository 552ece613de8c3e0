package dev.lora4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.peft.PeftMethods;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The configuration options of every registered method, added to a command programmatically: each
 * method lists its fields ({@link PeftMethod#options()}), an option shared by several methods is added
 * once, and the chosen method's values are gathered into a JSON object by field name and read by the
 * method exactly as it reads adapter_config.json. No method is named here.
 */
final class MethodOptions {
    /** The trainer's own mode besides the registered methods. */
    static final String FULL = "full";

    private MethodOptions() {}

    /** Adds every method's options to spec (once per option name). */
    static void install(CommandSpec spec) {
        Map<String, ConfigOption> byName = new LinkedHashMap<>();
        for (PeftMethod method : PeftMethods.all()) {
            for (ConfigOption option : method.options()) {
                ConfigOption previous = byName.putIfAbsent(option.name(), option);
                if (previous != null && !previous.field().equals(option.field())) {
                    throw new IllegalStateException(option.name() + " is claimed for both " + previous.field()
                            + " and " + option.field());
                }
            }
        }
        for (ConfigOption option : byName.values()) {
            String owners = PeftMethods.all().stream()
                    .filter(m -> m.options().stream().anyMatch(o -> o.name().equals(option.name())))
                    .map(PeftMethod::name).collect(Collectors.joining(", "));
            OptionSpec.Builder b = OptionSpec.builder(option.names().toArray(String[]::new))
                    .description(option.description() + " [" + owners + "]" + defaults(option.name()));
            if (option.type() == ConfigOption.Type.FLAG) {
                b.type(boolean.class).arity("0");
            } else {
                b.type(String.class).paramLabel(option.paramLabel());
            }
            spec.addOption(b.build());
        }
    }

    /**
     * The defaults of an option as help shows them: one value when every method that has the option gives it
     * the same default, else each method's (--targets is q,v for LoRA but k,v,wo for IA3).
     */
    private static String defaults(String optionName) {
        Map<String, String> byMethod = new LinkedHashMap<>();
        for (PeftMethod method : PeftMethods.all()) {
            if (method.presetOf() != null) {
                continue; // a preset (dora) has its owner's defaults
            }
            method.options().stream().filter(o -> o.name().equals(optionName) && o.defaultValue() != null)
                    .findFirst().ifPresent(o -> byMethod.put(method.name(), o.defaultValue()));
        }
        if (byMethod.isEmpty()) {
            return "";
        }
        if (new java.util.HashSet<>(byMethod.values()).size() == 1) {
            return " (default: " + byMethod.values().iterator().next() + ")";
        }
        return " (defaults: " + byMethod.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("; ")) + ")";
    }

    /** The names --method accepts: full fine-tuning and every registered method. */
    static String names() {
        List<String> names = new ArrayList<>();
        names.add(FULL);
        PeftMethods.all().forEach(m -> names.add(m.name()));
        return String.join(", ", names);
    }

    /** The method --method names, or an error listing the choices. */
    static PeftMethod method(String name) {
        try {
            return PeftMethods.forName(name);
        } catch (Lora4jException e) {
            throw new Lora4jException("cli", "--method must be one of " + names() + "; got \"" + name + "\"");
        }
    }

    /**
     * The chosen method's config from the options given (and their defaults). An option of another
     * method is an error naming it, as is a value the method refuses.
     */
    static MethodConfig config(CommandSpec spec, PeftMethod method) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("peft_type", method.peftType());
        Map<String, String> optionOfField = new LinkedHashMap<>();
        for (ConfigOption option : method.options()) {
            optionOfField.put(option.field(), option.name());
            OptionSpec given = spec.findOption(option.name());
            boolean matched = given != null && spec.commandLine().getParseResult().hasMatchedOption(given);
            if (matched) {
                json.set(option.field(), option.type() == ConfigOption.Type.FLAG
                        ? JsonNodeFactory.instance.booleanNode(given.<Boolean>getValue())
                        : option.toJson(given.<String>getValue()));
            } else if (option.defaultValue() != null) {
                json.set(option.field(), option.toJson(option.defaultValue()));
            }
        }
        for (PeftMethod other : PeftMethods.all()) {
            for (ConfigOption option : other.options()) {
                OptionSpec given = spec.findOption(option.name());
                if (given != null && spec.commandLine().getParseResult().hasMatchedOption(given)
                        && !optionOfField.containsValue(option.name())) {
                    throw new Lora4jException("cli", option.name() + " is an option of --method " + other.name()
                            + ", not of --method " + method.name());
                }
            }
        }
        try {
            return method.readConfig(json, "the command line");
        } catch (Lora4jException e) {
            throw new Lora4jException("cli", withOptionNames(e.getMessage(), method), e);
        }
    }

    /**
     * With a loaded adapter (--init-adapter), the options given must agree with it: --method must name its
     * method, and each of its fields given as an option must have the adapter's value. Silently training
     * with other settings than the ones asked for is the failure this prevents.
     */
    static void requireAgreement(CommandSpec spec, MethodConfig loaded, String source) {
        var parsed = spec.commandLine().getParseResult();
        OptionSpec methodOption = spec.findOption("--method");
        if (methodOption != null && parsed.hasMatchedOption(methodOption)
                && !methodOption.<String>getValue().equals(loaded.method().name())) {
            throw new Lora4jException("cli", source + " holds a " + loaded.method().name() + " adapter, but --method is "
                    + methodOption.<String>getValue());
        }
        ObjectNode saved = loaded.toJson();
        List<String> conflicts = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (PeftMethod method : PeftMethods.all()) {
            for (ConfigOption option : method.options()) {
                OptionSpec given = spec.findOption(option.name());
                if (given == null || !parsed.hasMatchedOption(given) || !seen.add(option.name())) {
                    continue;
                }
                boolean ownOption = loaded.method().options().stream().anyMatch(o -> o.name().equals(option.name()));
                if (!ownOption) {
                    throw new Lora4jException("cli", option.name() + " is an option of --method " + method.name()
                            + ", but " + source + " holds a " + loaded.method().name() + " adapter");
                }
                JsonNode value = option.type() == ConfigOption.Type.FLAG
                        ? JsonNodeFactory.instance.booleanNode(given.<Boolean>getValue())
                        : option.toJson(given.<String>getValue());
                JsonNode stored = saved.get(option.field());
                if (stored == null || !sameValue(stored, value)) {
                    conflicts.add(option.name() + " is " + render(value) + " but its \"" + option.field() + "\" is "
                            + (stored == null ? "not set" : render(stored)));
                }
            }
        }
        if (!conflicts.isEmpty()) {
            throw new Lora4jException("cli", source + " decides the " + loaded.method().name() + " settings, but "
                    + String.join("; ", conflicts) + ": drop those options or give the adapter's values");
        }
    }

    /**
     * Attaches a fresh adapter, with the method's checks of the config against this model; an error
     * about a config field names the option that set it.
     */
    static PeftModel wrap(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        try {
            return PeftModel.wrap(model, config, seed);
        } catch (Lora4jException e) {
            throw new Lora4jException("cli", withOptionNames(e.getMessage(), config.method()), e);
        }
    }

    /** A method's message about its fields, with each field named by its option instead. */
    private static String withOptionNames(String message, PeftMethod method) {
        for (ConfigOption option : method.options()) {
            message = message.replace("field \"" + option.field() + "\"", option.name())
                    .replace("\"" + option.field() + "\"", option.name());
        }
        return message.replaceFirst("^[a-z ]+: (the command line: )?", "");
    }

    /** A JSON value as an option would spell it: lists comma-joined in sorted order, strings bare. */
    private static String render(JsonNode value) {
        if (value.isArray()) {
            java.util.Set<String> items = new java.util.TreeSet<>();
            value.forEach(n -> items.add(n.asText()));
            return String.join(",", items);
        }
        return value.isTextual() ? value.textValue() : value.toString();
    }

    /** JSON equality that treats 8 and 8.0 as equal and compares lists as sets (target_modules). */
    private static boolean sameValue(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.doubleValue() == b.doubleValue();
        }
        if (a.isArray() && b.isArray()) {
            java.util.Set<String> x = new java.util.TreeSet<>();
            java.util.Set<String> y = new java.util.TreeSet<>();
            a.forEach(n -> x.add(n.asText()));
            b.forEach(n -> y.add(n.asText()));
            return x.equals(y);
        }
        return a.equals(b);
    }
}
