package dev.lora4j.eval;

import dev.lora4j.Lora4jException;

/**
 * One ROUGE variant, named as in rouge-score: {@code rouge1} ... {@code rouge9} (n-gram overlap),
 * {@code rougeL} (longest common subsequence over the whole text) and {@code rougeLsum} (summary-level
 * union LCS over newline-separated sentences).
 *
 * @param kind the family of the variant; not null
 * @param n    the n-gram order, 1..9, for {@link Kind#NGRAM}; 0 for the LCS kinds
 */
public record RougeType(Kind kind, int n) {

    /** The family of the variant. */
    public enum Kind {
        /** n-gram overlap ({@code rouge1} ... {@code rouge9}). */
        NGRAM,
        /** Longest common subsequence over the whole text ({@code rougeL}). */
        LCS,
        /** Summary-level union LCS over newline-separated sentences ({@code rougeLsum}). */
        SUMMARY_LCS
    }

    public static final RougeType ROUGE_1 = ngram(1);
    public static final RougeType ROUGE_2 = ngram(2);
    public static final RougeType ROUGE_L = new RougeType(Kind.LCS, 0);
    public static final RougeType ROUGE_LSUM = new RougeType(Kind.SUMMARY_LCS, 0);

    /**
     * Validates the variant.
     *
     * @throws dev.lora4j.Lora4jException when {@code kind} is null or {@code n} does not fit it
     */
    public RougeType {
        if (kind == null) {
            throw new Lora4jException("rouge", "rouge type kind is null");
        }
        if (kind == Kind.NGRAM && (n < 1 || n > 9)) {
            // rouge-score accepts the names rouge1..rouge9 only (pattern rouge[0-9], n > 0).
            throw new Lora4jException("rouge", "n-gram order must be 1..9, got " + n);
        }
        if (kind != Kind.NGRAM && n != 0) {
            throw new Lora4jException("rouge", kind + " takes no n-gram order, got " + n);
        }
    }

    /**
     * ROUGE-N for n in 1..9.
     *
     * @param n the n-gram order, 1..9
     * @return the ROUGE-N type
     * @throws dev.lora4j.Lora4jException when {@code n} is outside 1..9
     */
    public static RougeType ngram(int n) {
        return new RougeType(Kind.NGRAM, n);
    }

    /**
     * Parses rouge-score's names: "rouge1".."rouge9", "rougeL", "rougeLsum".
     *
     * @param name the rouge-score name, case-sensitive
     * @return the type with that name
     * @throws dev.lora4j.Lora4jException when the name is null or not a ROUGE type
     */
    public static RougeType parse(String name) {
        if ("rougeL".equals(name)) {
            return ROUGE_L;
        }
        if ("rougeLsum".equals(name)) {
            return ROUGE_LSUM;
        }
        if (name != null && name.length() == 6 && name.startsWith("rouge")
                && name.charAt(5) >= '1' && name.charAt(5) <= '9') {
            return ngram(name.charAt(5) - '0');
        }
        throw new Lora4jException("rouge", "invalid rouge type: " + name
                + " (expected rouge1..rouge9, rougeL or rougeLsum)");
    }

    /**
     * The rouge-score name of this type, e.g. "rouge2" or "rougeLsum".
     *
     * @return the name rouge-score uses as the result key
     */
    public String displayName() {
        return switch (kind) {
            case NGRAM -> "rouge" + n;
            case LCS -> "rougeL";
            case SUMMARY_LCS -> "rougeLsum";
        };
    }

    @Override
    public String toString() {
        return displayName();
    }
}
