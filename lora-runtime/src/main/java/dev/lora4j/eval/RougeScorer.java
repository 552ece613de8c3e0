package dev.lora4j.eval;

import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * ROUGE as Google's {@code rouge-score} 0.1.2 computes it with
 * {@code rouge_scorer.RougeScorer(types, use_stemmer=...)} and its default tokenizer. Every score is the
 * same double that package returns (the parity tests compare them on DialogSum, SAMSum and edge cases).
 *
 * <pre>{@code
 * RougeScorer scorer = RougeScorer.builder()
 *         .types(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM)
 *         .useStemmer(true)
 *         .build();
 * Score r1 = scorer.score(reference, prediction).get(RougeType.ROUGE_1);
 * }</pre>
 *
 * <p>ROUGE-Lsum treats each line as a sentence, as rouge-score does with {@code split_summaries=False}:
 * put a newline between the sentences of references and predictions before scoring (Hugging Face
 * {@code evaluate} users usually do this with nltk's sentence splitter). Instances are immutable and
 * thread-safe.
 */
public final class RougeScorer {
    /** The largest reference × prediction token product ROUGE-L / -Lsum computes (see requireLcsWithinLimit). */
    public static final long MAX_LCS_CELLS = 25_000_000L;

    private final List<RougeType> types;
    private final RougeTokenizer tokenizer;

    private RougeScorer(List<RougeType> types, RougeTokenizer tokenizer) {
        this.types = types;
        this.tokenizer = tokenizer;
    }

    /**
     * A builder defaulting to rouge1, rouge2, rougeL and rougeLsum without stemming.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The types this scorer computes, in output order.
     *
     * @return an unmodifiable list of types
     */
    public List<RougeType> types() {
        return types;
    }

    /**
     * Whether tokens are Porter-stemmed before matching.
     *
     * @return true when stemming, as rouge-score's {@code use_stemmer=True}
     */
    public boolean usesStemmer() {
        return tokenizer.stems();
    }

    /**
     * Scores one prediction against one reference (rouge-score's {@code score(target, prediction)}).
     *
     * @param reference  the human reference (rouge-score's target); not null
     * @param prediction the generated text; not null
     * @return the precision, recall and F1 of every type, each in [0, 1]
     * @throws dev.lora4j.Lora4jException when a text is null, or ROUGE-L would need more than
     *     {@link #MAX_LCS_CELLS} table cells
     */
    public RougeScores score(String reference, String prediction) {
        requireText(reference, "reference");
        requireText(prediction, "prediction");
        List<String> referenceTokens = tokenizer.tokenize(reference);
        List<String> predictionTokens = tokenizer.tokenize(prediction);
        requireLcsWithinLimit(referenceTokens.size(), predictionTokens.size());
        Map<RougeType, Score> result = new LinkedHashMap<>();
        for (RougeType type : types) {
            Score score = switch (type.kind()) {
                case NGRAM -> NgramOverlap.score(referenceTokens, predictionTokens, type.n());
                case LCS -> lcsScore(referenceTokens, predictionTokens);
                case SUMMARY_LCS -> SummaryLevelLcs.score(sentenceTokens(reference), sentenceTokens(prediction));
            };
            result.put(type, score);
        }
        return new RougeScores(result);
    }

    /**
     * Scores one prediction against several references (rouge-score's {@code score_multi}): for each type
     * separately, the score against the reference with the highest F1; the first such reference on ties.
     *
     * @param references the human references; at least one, none null
     * @param prediction the generated text; not null
     * @return for each type, the scores against its best reference, each in [0, 1]
     * @throws dev.lora4j.Lora4jException when there is no reference, a text is null, or a text is too long
     *     for ROUGE-L
     */
    public RougeScores scoreMulti(List<String> references, String prediction) {
        if (references == null || references.isEmpty()) {
            throw new Lora4jException("rouge", "scoreMulti needs at least one reference");
        }
        List<RougeScores> perReference = new ArrayList<>(references.size());
        for (String reference : references) {
            perReference.add(score(reference, prediction));
        }
        Map<RougeType, Score> best = new LinkedHashMap<>();
        for (RougeType type : types) {
            Score bestScore = perReference.getFirst().get(type);
            for (RougeScores candidate : perReference) {
                // Strictly greater, like numpy's argmax, which returns the first maximum.
                if (candidate.get(type).fmeasure() > bestScore.fmeasure()) {
                    bestScore = candidate.get(type);
                }
            }
            best.put(type, bestScore);
        }
        return new RougeScores(best);
    }

    /**
     * Scores a corpus with one reference per prediction and averages it (see {@link CorpusRouge}).
     *
     * @param references  one reference per prediction, in the same order
     * @param predictions the generated texts
     * @return the per-example scores and their means
     * @throws dev.lora4j.Lora4jException when the lists are null or differ in size, or a text is null or too
     *     long for ROUGE-L
     */
    public CorpusRouge scoreCorpus(List<String> references, List<String> predictions) {
        requireSameSize(references, predictions);
        List<RougeScores> perExample = new ArrayList<>(predictions.size());
        for (int i = 0; i < predictions.size(); i++) {
            perExample.add(score(references.get(i), predictions.get(i)));
        }
        return CorpusRouge.average(types, perExample);
    }

    /**
     * Scores a corpus with several references per prediction ({@link #scoreMulti}) and averages it.
     *
     * @param references  the references of each prediction, in the same order; each list non-empty
     * @param predictions the generated texts
     * @return the per-example best scores and their means
     * @throws dev.lora4j.Lora4jException when the lists are null or differ in size, an example has no
     *     reference, or a text is null or too long for ROUGE-L
     */
    public CorpusRouge scoreCorpusMulti(List<? extends List<String>> references, List<String> predictions) {
        requireSameSize(references, predictions);
        List<RougeScores> perExample = new ArrayList<>(predictions.size());
        for (int i = 0; i < predictions.size(); i++) {
            try {
                perExample.add(scoreMulti(references.get(i), predictions.get(i)));
            } catch (Lora4jException e) {
                throw new Lora4jException("rouge", "example " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return CorpusRouge.average(types, perExample);
    }

    /**
     * ROUGE-L and -Lsum fill a reference × prediction table (rouge-score does too, in Python, for minutes
     * on a megabyte line); summaries are at most a few hundred tokens, so a text far beyond that is a
     * mistake (a whole file on one line) and is refused instead of running for minutes.
     */
    private void requireLcsWithinLimit(long referenceTokens, long predictionTokens) {
        boolean lcs = types.stream().anyMatch(t -> t.kind() != RougeType.Kind.NGRAM);
        if (lcs && referenceTokens * predictionTokens > MAX_LCS_CELLS) {
            throw new Lora4jException("rouge", "ROUGE-L of a " + predictionTokens + "-token prediction against a " + referenceTokens
                    + "-token reference needs " + referenceTokens * predictionTokens + " table cells, over the limit of " + MAX_LCS_CELLS
                    + " (e.g. 5000 x 5000 tokens): these are not summaries (a file on one line?); shorten them or score only rouge1/rouge2");
        }
    }

    private static Score lcsScore(List<String> referenceTokens, List<String> predictionTokens) {
        if (referenceTokens.isEmpty() || predictionTokens.isEmpty()) {
            return Score.ZERO;
        }
        int lcs = LongestCommonSubsequence.length(referenceTokens, predictionTokens);
        return Score.of((double) lcs / predictionTokens.size(), (double) lcs / referenceTokens.size());
    }

    /** Lsum's sentences: the text split on '\n' only, empty lines dropped (blank ones are kept, tokenless). */
    private List<List<String>> sentenceTokens(String text) {
        List<List<String>> sentences = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) {
                sentences.add(tokenizer.tokenize(line));
            }
        }
        return sentences;
    }

    private static void requireText(String text, String what) {
        if (text == null) {
            throw new Lora4jException("rouge", what + " is null");
        }
    }

    private static void requireSameSize(List<?> references, List<String> predictions) {
        if (references == null || predictions == null) {
            throw new Lora4jException("rouge", "references and predictions must not be null");
        }
        if (references.size() != predictions.size()) {
            throw new Lora4jException("rouge", references.size() + " references but "
                    + predictions.size() + " predictions");
        }
    }

    /** Chooses the ROUGE types and whether tokens are Porter-stemmed. */
    public static final class Builder {
        private final LinkedHashSet<RougeType> types = new LinkedHashSet<>();
        private boolean useStemmer;

        private Builder() {}

        /**
         * The types to compute, in output order (duplicates collapse). Default: rouge1, rouge2, rougeL,
         * rougeLsum.
         *
         * @param types the ROUGE types; an empty array restores the default
         * @return this builder
         */
        public Builder types(RougeType... types) {
            return types(List.of(types));
        }

        /**
         * The types to compute, in output order (duplicates collapse); an empty list restores the default.
         *
         * @param types the ROUGE types; not null
         * @return this builder
         */
        public Builder types(List<RougeType> types) {
            this.types.clear();
            this.types.addAll(types);
            return this;
        }

        /**
         * The types by rouge-score name, e.g. {@code types("rouge1", "rougeLsum")}.
         *
         * @param names rouge-score's type names, such as {@code "rouge1"}, {@code "rougeL"},
         *     {@code "rougeLsum"}
         * @return this builder
         * @throws dev.lora4j.Lora4jException when a name is not a ROUGE type
         */
        public Builder types(String... names) {
            List<RougeType> parsed = new ArrayList<>();
            for (String name : names) {
                parsed.add(RougeType.parse(name));
            }
            return types(parsed);
        }

        /**
         * Porter-stem tokens longer than three characters (rouge-score's {@code use_stemmer}). Default false.
         *
         * @param useStemmer true to stem tokens before matching
         * @return this builder
         */
        public Builder useStemmer(boolean useStemmer) {
            this.useStemmer = useStemmer;
            return this;
        }

        /**
         * Builds the scorer.
         *
         * @return a new, immutable scorer
         */
        public RougeScorer build() {
            List<RougeType> chosen = types.isEmpty()
                    ? List.of(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM)
                    : List.copyOf(types);
            RougeTokenizer tokenizer = useStemmer ? RougeTokenizer.withPorterStemming() : RougeTokenizer.withoutStemming();
            return new RougeScorer(chosen, tokenizer);
        }
    }
}
