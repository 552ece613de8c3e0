package dev.lora4j.eval;

import java.util.Locale;
import java.util.Map;

/**
 * The Porter stemmer exactly as NLTK 3.10.4 runs it in its default {@code NLTK_EXTENSIONS} mode, which
 * is the mode {@code rouge-score} 0.1.2 constructs ({@code porter.PorterStemmer()}). ROUGE scores with
 * stemming depend on every quirk of that implementation, so the steps below follow it rule by rule
 * (including NLTK's additions to Porter's 1980 paper) rather than any other published variant.
 *
 * <p>Instances are stateless and thread-safe.
 */
public final class PorterStemmer {

    /** NLTK's table of irregular forms, checked before any rule runs: form to stem. */
    private static final Map<String, String> IRREGULAR_FORMS = Map.ofEntries(
            Map.entry("sky", "sky"),
            Map.entry("skies", "sky"),
            Map.entry("dying", "die"),
            Map.entry("lying", "lie"),
            Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"),
            Map.entry("inning", "inning"),
            Map.entry("outings", "outing"),
            Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"),
            Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"),
            Map.entry("exceed", "exceed"),
            Map.entry("succeed", "succeed"));

    /** A condition on the stem left after a suffix is removed. */
    @FunctionalInterface
    private interface StemCondition {
        boolean holds(String stem);
    }

    /**
     * A suffix rule: if the word ends with {@code suffix} and the condition holds for the remaining stem,
     * the suffix becomes {@code replacement}. A null condition always holds.
     */
    private record Rule(String suffix, String replacement, StemCondition condition) {}

    /** Marker suffix for the "ends in a double consonant" rule of step 1b (NLTK spells it "*d"). */
    private static final String DOUBLE_CONSONANT = "*d";

    /** Creates a stemmer; it holds no state, so one instance can serve every thread. */
    public PorterStemmer() {}

    /**
     * Stems one word. Like NLTK's {@code stem(word)}, the word is lowercased first (here with the
     * locale-independent rules; rouge-score only ever passes lowercase ASCII tokens).
     *
     * @param word the word to stem; not null
     * @return the stem, in lowercase
     */
    public String stem(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        String irregular = IRREGULAR_FORMS.get(lower);
        if (irregular != null) {
            return irregular;
        }
        // NLTK leaves words of one or two characters alone (it measures the word before lowercasing).
        if (word.length() <= 2) {
            return lower;
        }
        String stem = step1a(lower);
        stem = step1b(stem);
        stem = step1c(stem);
        stem = step2(stem);
        stem = step3(stem);
        stem = step4(stem);
        stem = step5a(stem);
        stem = step5b(stem);
        return stem;
    }

    // ---- letter classes -------------------------------------------------------------------------

    private static boolean isVowelLetter(char c) {
        return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
    }

    /**
     * Porter's consonant test: a letter other than a, e, i, o, u, and other than a 'y' preceded by a
     * consonant. A 'y' at the start of a word is a consonant. Runs of 'y' alternate, which the walk
     * back to the first non-'y' letter resolves without recursion.
     */
    private static boolean isConsonant(String word, int index) {
        char c = word.charAt(index);
        if (isVowelLetter(c)) {
            return false;
        }
        if (c != 'y') {
            return true;
        }
        boolean negate = false;
        int i = index;
        while (i > 0 && word.charAt(i) == 'y') {
            negate = !negate;
            i--;
        }
        return !isVowelLetter(word.charAt(i)) != negate;
    }

    /** Consonant flags for every position in one left-to-right pass (same answers as isConsonant). */
    private static boolean[] consonantFlags(String word) {
        boolean[] flags = new boolean[word.length()];
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (isVowelLetter(c)) {
                flags[i] = false;
            } else if (c == 'y') {
                flags[i] = i == 0 || !flags[i - 1];
            } else {
                flags[i] = true;
            }
        }
        return flags;
    }

    /** Porter's measure m of [C](VC){m}[V]: the number of vowel-to-consonant transitions. */
    private static int measure(String stem) {
        boolean[] flags = consonantFlags(stem);
        int count = 0;
        for (int i = 1; i < flags.length; i++) {
            if (!flags[i - 1] && flags[i]) {
                count++;
            }
        }
        return count;
    }

    private static boolean hasPositiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    /** Condition *v*: the stem contains a vowel. */
    private static boolean containsVowel(String stem) {
        for (boolean consonant : consonantFlags(stem)) {
            if (!consonant) {
                return true;
            }
        }
        return false;
    }

    /** Condition *d: the word ends with two equal consonants. */
    private static boolean endsDoubleConsonant(String word) {
        int n = word.length();
        return n >= 2 && word.charAt(n - 1) == word.charAt(n - 2) && isConsonant(word, n - 1);
    }

    /**
     * Condition *o: the word ends consonant-vowel-consonant and the last consonant is not w, x or y.
     * NLTK also accepts a two-letter word vowel-consonant (so that e.g. "ow" counts).
     */
    private static boolean endsCvc(String word) {
        int n = word.length();
        if (n >= 3
                && isConsonant(word, n - 3)
                && !isConsonant(word, n - 2)
                && isConsonant(word, n - 1)) {
            char last = word.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') {
                return true;
            }
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1);
    }

    // ---- rule application -----------------------------------------------------------------------

    private static String withoutSuffix(String word, String suffix) {
        return word.substring(0, word.length() - suffix.length());
    }

    /**
     * Applies the first rule whose suffix matches. As in NLTK, once a suffix matches, its condition
     * alone decides: a failing condition returns the word unchanged and no later rule is tried.
     */
    private static String applyFirstMatchingRule(String word, Rule... rules) {
        for (Rule rule : rules) {
            if (rule.suffix().equals(DOUBLE_CONSONANT)) {
                if (endsDoubleConsonant(word)) {
                    String stem = word.substring(0, word.length() - 2);
                    return conditionHolds(rule, stem) ? stem + rule.replacement() : word;
                }
                continue;
            }
            if (word.endsWith(rule.suffix())) {
                String stem = withoutSuffix(word, rule.suffix());
                return conditionHolds(rule, stem) ? stem + rule.replacement() : word;
            }
        }
        return word;
    }

    private static boolean conditionHolds(Rule rule, String stem) {
        return rule.condition() == null || rule.condition().holds(stem);
    }

    // ---- steps ----------------------------------------------------------------------------------

    /** Step 1a: plurals (sses to ss, ies to i, s removed), with NLTK's "dies" to "die". */
    private static String step1a(String word) {
        if (word.endsWith("ies") && word.length() == 4) {
            return withoutSuffix(word, "ies") + "ie";
        }
        return applyFirstMatchingRule(word,
                new Rule("sses", "ss", null),
                new Rule("ies", "i", null),
                new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    /** Step 1b: -eed, -ed, -ing, then the tidy-up rules; with NLTK's "died" to "die", "spied" to "spi". */
    private static String step1b(String word) {
        if (word.endsWith("ied")) {
            return withoutSuffix(word, "ied") + (word.length() == 4 ? "ie" : "i");
        }
        if (word.endsWith("eed")) {
            String stem = withoutSuffix(word, "eed");
            return measure(stem) > 0 ? stem + "ee" : word;
        }
        String intermediate = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (word.endsWith(suffix)) {
                String candidate = withoutSuffix(word, suffix);
                if (containsVowel(candidate)) {
                    intermediate = candidate;
                    break;
                }
            }
        }
        if (intermediate == null) {
            return word;
        }
        char last = intermediate.charAt(intermediate.length() - 1);
        return applyFirstMatchingRule(intermediate,
                new Rule("at", "ate", null),
                new Rule("bl", "ble", null),
                new Rule("iz", "ize", null),
                // A double consonant other than l, s, z loses one letter (hopp -> hop).
                new Rule(DOUBLE_CONSONANT, String.valueOf(last), stem -> last != 'l' && last != 's' && last != 'z'),
                // The empty suffix always matches: m=1 and *o puts an e back (fil -> file).
                new Rule("", "e", stem -> measure(stem) == 1 && endsCvc(stem)));
    }

    /** Step 1c: y to i after a consonant that is not the whole stem (NLTK's rule: happy -> happi, enjoy kept). */
    private static String step1c(String word) {
        return applyFirstMatchingRule(word,
                new Rule("y", "i", stem -> stem.length() > 1 && isConsonant(stem, stem.length() - 1)));
    }

    /** Step 2: double suffixes to single ones (m>0), in NLTK's order and with its extra rules. */
    private static String step2(String word) {
        // NLTK applies alli -> al first and, if that fires, runs step 2 again on the result.
        if (word.endsWith("alli") && hasPositiveMeasure(withoutSuffix(word, "alli"))) {
            return step2(withoutSuffix(word, "alli") + "al");
        }
        StemCondition positive = PorterStemmer::hasPositiveMeasure;
        // logi -> log keeps the 'l' in the stem when measuring, so short stems like "geo" qualify.
        String wordWithoutLastThree = word.length() >= 3 ? word.substring(0, word.length() - 3) : "";
        return applyFirstMatchingRule(word,
                new Rule("ational", "ate", positive),
                new Rule("tional", "tion", positive),
                new Rule("enci", "ence", positive),
                new Rule("anci", "ance", positive),
                new Rule("izer", "ize", positive),
                new Rule("bli", "ble", positive),
                new Rule("alli", "al", positive),
                new Rule("entli", "ent", positive),
                new Rule("eli", "e", positive),
                new Rule("ousli", "ous", positive),
                new Rule("ization", "ize", positive),
                new Rule("ation", "ate", positive),
                new Rule("ator", "ate", positive),
                new Rule("alism", "al", positive),
                new Rule("iveness", "ive", positive),
                new Rule("fulness", "ful", positive),
                new Rule("ousness", "ous", positive),
                new Rule("aliti", "al", positive),
                new Rule("iviti", "ive", positive),
                new Rule("biliti", "ble", positive),
                new Rule("fulli", "ful", positive),
                new Rule("logi", "log", stem -> hasPositiveMeasure(wordWithoutLastThree)));
    }

    /** Step 3: -icate, -ative, -alize, -iciti, -ical, -ful, -ness (m>0). */
    private static String step3(String word) {
        StemCondition positive = PorterStemmer::hasPositiveMeasure;
        return applyFirstMatchingRule(word,
                new Rule("icate", "ic", positive),
                new Rule("ative", "", positive),
                new Rule("alize", "al", positive),
                new Rule("iciti", "ic", positive),
                new Rule("ical", "ic", positive),
                new Rule("ful", "", positive),
                new Rule("ness", "", positive));
    }

    /** Step 4: strips the remaining suffixes when m>1 (-ion only after s or t). */
    private static String step4(String word) {
        StemCondition measureAboveOne = stem -> measure(stem) > 1;
        return applyFirstMatchingRule(word,
                new Rule("al", "", measureAboveOne),
                new Rule("ance", "", measureAboveOne),
                new Rule("ence", "", measureAboveOne),
                new Rule("er", "", measureAboveOne),
                new Rule("ic", "", measureAboveOne),
                new Rule("able", "", measureAboveOne),
                new Rule("ible", "", measureAboveOne),
                new Rule("ant", "", measureAboveOne),
                new Rule("ement", "", measureAboveOne),
                new Rule("ment", "", measureAboveOne),
                new Rule("ent", "", measureAboveOne),
                new Rule("ion", "", stem -> measure(stem) > 1
                        && (stem.charAt(stem.length() - 1) == 's' || stem.charAt(stem.length() - 1) == 't')),
                new Rule("ou", "", measureAboveOne),
                new Rule("ism", "", measureAboveOne),
                new Rule("ate", "", measureAboveOne),
                new Rule("iti", "", measureAboveOne),
                new Rule("ous", "", measureAboveOne),
                new Rule("ive", "", measureAboveOne),
                new Rule("ize", "", measureAboveOne));
    }

    /**
     * Step 5a: a final e goes when m>1, or when m=1 and the stem does not end cvc. Both conditions are
     * tried for the same suffix, which is why this step does not use the first-match rule list.
     */
    private static String step5a(String word) {
        if (word.endsWith("e")) {
            String stem = withoutSuffix(word, "e");
            int m = measure(stem);
            if (m > 1) {
                return stem;
            }
            if (m == 1 && !endsCvc(stem)) {
                return stem;
            }
        }
        return word;
    }

    /** Step 5b: a final ll becomes l when the word minus one l has m>1 (controll -> control). */
    private static String step5b(String word) {
        String wordWithoutLastLetter = word.isEmpty() ? "" : word.substring(0, word.length() - 1);
        return applyFirstMatchingRule(word,
                new Rule("ll", "l", stem -> measure(wordWithoutLastLetter) > 1));
    }
}
