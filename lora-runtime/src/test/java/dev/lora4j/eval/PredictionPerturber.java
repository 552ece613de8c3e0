package dev.lora4j.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Makes plausible "model outputs" from a reference for the parity tests: the reference with words dropped,
 * swapped, repeated, inflected or recased, sentences put on separate lines, or truncated. Seeded, so every
 * run scores the same pairs.
 */
final class PredictionPerturber {
    private static final String[] SUFFIXES = {"s", "ing", "ed", "ly", "ness", "ation", "ies"};
    private static final String[] PUNCTUATION = {",", ".", "!", "?", " - ", "'s", "\"", "..."};

    private final Random random;

    PredictionPerturber(long seed) {
        this.random = new Random(seed);
    }

    /** Applies one to three random edits. */
    String perturb(String reference) {
        String text = reference;
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            text = edit(text);
        }
        return text;
    }

    /** One sentence per line, as ROUGE-Lsum users prepare text (split after . ! or ?). */
    static String sentencePerLine(String text) {
        return text.trim().replaceAll("(?<=[.!?])\\s+", "\n");
    }

    private String edit(String text) {
        List<String> words = new ArrayList<>(Arrays.asList(text.split(" ")));
        if (words.isEmpty()) {
            return text;
        }
        int at = random.nextInt(words.size());
        switch (random.nextInt(9)) {
            case 0 -> words.remove(at);
            case 1 -> {
                if (at + 1 < words.size()) {
                    String swapped = words.get(at);
                    words.set(at, words.get(at + 1));
                    words.set(at + 1, swapped);
                }
            }
            case 2 -> words.add(at, words.get(at));
            case 3 -> words.set(at, words.get(at) + SUFFIXES[random.nextInt(SUFFIXES.length)]);
            case 4 -> words.set(at, words.get(at).toUpperCase(java.util.Locale.ROOT));
            case 5 -> words.set(at, words.get(at) + PUNCTUATION[random.nextInt(PUNCTUATION.length)]);
            case 6 -> words.set(at, words.get(random.nextInt(words.size())));
            case 7 -> {
                return sentencePerLine(text);
            }
            default -> {
                return String.join(" ", words.subList(0, Math.max(1, words.size() / 2)));
            }
        }
        return String.join(" ", words);
    }
}
