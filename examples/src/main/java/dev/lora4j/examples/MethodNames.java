package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The names of eval's methods. A name becomes a file name (predictions/NAME.jsonl) and a key of
 * scores.json, so it must be a plain file name, unique (case-insensitively: some file systems fold case),
 * and not one of the names eval gives its own baselines ({@code original}, {@code K-shot}); otherwise one
 * method's results would overwrite another's or land outside the output directory.
 */
final class MethodNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHOT = Pattern.compile("\\d+-shot");

    private final Map<String, String> taken = new HashMap<>();

    /** Records a baseline's name (original, K-shot); a repeated --shots value is refused. */
    void baseline(String name, String option) {
        claim(name, option);
    }

    /** Parses NAME=DIR values of option into an ordered map, checking every name. */
    Map<String, Path> parse(String option, List<String> values) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String value : values) {
            int eq = value.indexOf('=');
            if (eq <= 0 || eq == value.length() - 1) {
                throw new Lora4jException("cli", option + " takes NAME=DIR, got '" + value + "'");
            }
            String name = value.substring(0, eq);
            if (!NAME.matcher(name).matches()) {
                throw new Lora4jException("cli", option + " name '" + name + "' is not allowed: use letters, digits, '.', '_' and '-' "
                        + "(starting with a letter or digit, at most 64), since it names predictions/" + name + ".jsonl");
            }
            if (name.equalsIgnoreCase("original") || SHOT.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
                throw new Lora4jException("cli", option + " name '" + name + "' is reserved for eval's baselines (original, K-shot): "
                        + "choose another name");
            }
            claim(name, option);
            out.put(name, Path.of(value.substring(eq + 1)));
        }
        return out;
    }

    private void claim(String name, String option) {
        String previous = taken.putIfAbsent(name.toLowerCase(Locale.ROOT), option);
        if (previous != null) {
            throw new Lora4jException("cli", "method name '" + name + "' is given twice (" + previous + " and " + option
                    + "): each method needs its own name, or its results would overwrite the other's");
        }
    }
}
