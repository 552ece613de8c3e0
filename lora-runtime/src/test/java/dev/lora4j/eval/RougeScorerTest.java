package dev.lora4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lora4j.Lora4jException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-checkable ROUGE values (several mirror rouge-score's own unit tests) and the API's contracts.
 * The bulk comparison against rouge-score itself is {@link RougeParityTest}.
 */
class RougeScorerTest {
    private static final double EXACT = 0.0;

    private static final RougeScorer ALL_TYPES = RougeScorer.builder()
            .types(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM)
            .build();

    private static void assertScore(double precision, double recall, double fmeasure, Score actual) {
        assertEquals(precision, actual.precision(), 1e-12, "precision");
        assertEquals(recall, actual.recall(), 1e-12, "recall");
        assertEquals(fmeasure, actual.fmeasure(), 1e-12, "fmeasure");
    }

    @Test
    void unigramOverlap() {
        RougeScores scores = ALL_TYPES.score("testing one two", "testing");
        assertScore(1, 1.0 / 3, 0.5, scores.get(RougeType.ROUGE_1));
    }

    @Test
    void bigramOverlap() {
        assertScore(1, 0.5, 2.0 / 3, ALL_TYPES.score("testing one two", "testing one").get(RougeType.ROUGE_2));
    }

    @Test
    void lcsSkipsGaps() {
        assertScore(1, 2.0 / 3, 0.8, ALL_TYPES.score("testing one two", "testing two").get(RougeType.ROUGE_L));
    }

    @Test
    void ngramCountsAreClipped() {
        // "the" occurs twice in the prediction but once in the reference: it matches once.
        Score score = ALL_TYPES.score("the cat", "the the the").get(RougeType.ROUGE_1);
        assertScore(1.0 / 3, 0.5, Score.of(1.0 / 3, 0.5).fmeasure(), score);
    }

    @Test
    void summaryLevelLcsTakesTheUnionOverSentences() {
        // Lin (2004) section 3.2: the union LCS of the reference with both candidate sentences is w1 w2 w3 w5.
        Score score = ALL_TYPES.score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5").get(RougeType.ROUGE_LSUM);
        assertEquals(0.8, score.recall(), EXACT);
        assertEquals(0.4, score.precision(), EXACT);
        assertEquals(2 * 0.4 * 0.8 / (0.4 + 0.8), score.fmeasure(), EXACT);
    }

    @Test
    void lsumUsesNewlinesAsSentenceBoundaries() {
        RougeScorer lsum = RougeScorer.builder().types(RougeType.ROUGE_LSUM).useStemmer(true).build();
        String reference = "First sentence.\nSecond Sentence.";
        String prediction = "Second sentence.\nFirst Sentence.";
        assertEquals(1.0, lsum.score(reference, prediction).get(RougeType.ROUGE_LSUM).fmeasure(), EXACT);
        // Joined into one line each, the order matters again.
        assertEquals(0.5, lsum.score(reference.replace('\n', ' '), prediction.replace('\n', ' '))
                .get(RougeType.ROUGE_LSUM).fmeasure(), EXACT);
    }

    @Test
    void emptyTextScoresZero() {
        for (RougeType type : ALL_TYPES.types()) {
            assertEquals(Score.ZERO, ALL_TYPES.score("testing one two", "").get(type), type.toString());
            assertEquals(Score.ZERO, ALL_TYPES.score("", "testing one two").get(type), type.toString());
            assertEquals(Score.ZERO, ALL_TYPES.score("...", "?!").get(type), type.toString());
        }
    }

    @Test
    void stemmingMatchesInflections() {
        RougeScorer plain = RougeScorer.builder().types(RougeType.ROUGE_1).build();
        RougeScorer stemmed = RougeScorer.builder().types(RougeType.ROUGE_1).useStemmer(true).build();
        assertEquals(0.0, plain.score("running dogs", "runs dog").get(RougeType.ROUGE_1).fmeasure(), EXACT);
        // running -> run, runs -> run, dogs -> dog; "dog" has 3 letters and is left alone.
        assertEquals(1.0, stemmed.score("running dogs", "runs dog").get(RougeType.ROUGE_1).fmeasure(), EXACT);
    }

    @Test
    void multiReferenceTakesTheBestFmeasurePerType() {
        RougeScorer scorer = RougeScorer.builder().types(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L).build();
        RougeScores scores = scorer.scoreMulti(List.of("first text", "first something"), "text first");
        assertEquals(1.0, scores.get(RougeType.ROUGE_1).fmeasure(), EXACT);
        assertEquals(0.0, scores.get(RougeType.ROUGE_2).fmeasure(), EXACT);
        assertEquals(0.5, scores.get(RougeType.ROUGE_L).fmeasure(), EXACT);
    }

    @Test
    void multiReferenceKeepsTheFirstOfTiedReferences() {
        RougeScorer scorer = RougeScorer.builder().types(RougeType.ROUGE_1).build();
        // Both references give F1 = 0.5 but with different precision and recall; the first wins, as numpy's argmax.
        RougeScores scores = scorer.scoreMulti(List.of("a b", "a c d e f g"), "a x");
        Score first = scorer.score("a b", "a x").get(RougeType.ROUGE_1);
        assertEquals(first, scores.get(RougeType.ROUGE_1));
    }

    @Test
    void corpusMeanIsTheAverageOfPerExampleScores() {
        RougeScorer scorer = RougeScorer.builder().types(RougeType.ROUGE_1).build();
        CorpusRouge corpus = scorer.scoreCorpus(List.of("a b", "a b c d"), List.of("a b", "a"));
        double expectedF = (1.0 + Score.of(1.0, 0.25).fmeasure()) / 2;
        assertEquals(expectedF, corpus.mean(RougeType.ROUGE_1).meanFmeasure(), EXACT);
        assertEquals(expectedF * 100, corpus.fmeasurePercent(RougeType.ROUGE_1), EXACT);
        assertEquals((1.0 + 1.0) / 2, corpus.mean(RougeType.ROUGE_1).meanPrecision(), EXACT);
        assertEquals((1.0 + 0.25) / 2, corpus.mean(RougeType.ROUGE_1).meanRecall(), EXACT);
        assertEquals(2, corpus.size());
    }

    @Test
    void typesParseFromRougeScoreNames() {
        RougeScorer scorer = RougeScorer.builder().types("rouge1", "rouge3", "rougeL", "rougeLsum").build();
        assertEquals(List.of(RougeType.ROUGE_1, RougeType.ngram(3), RougeType.ROUGE_L, RougeType.ROUGE_LSUM),
                scorer.types());
        assertEquals("rougeLsum", RougeType.ROUGE_LSUM.displayName());
        for (String invalid : new String[] {"rouge0", "rouge10", "rougel", "rougeLSum", "bleu", ""}) {
            assertThrows(Lora4jException.class, () -> RougeType.parse(invalid), invalid);
        }
    }

    @Test
    void defaultTypesAreTheFourUsual() {
        assertEquals(List.of(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM),
                RougeScorer.builder().build().types());
    }

    @Test
    void misuseIsReported() {
        assertThrows(Lora4jException.class, () -> ALL_TYPES.score(null, "x"));
        assertThrows(Lora4jException.class, () -> ALL_TYPES.scoreMulti(List.of(), "x"));
        assertThrows(Lora4jException.class, () -> ALL_TYPES.scoreCorpus(List.of("a"), List.of("a", "b")));
        assertThrows(Lora4jException.class, () -> ALL_TYPES.scoreCorpus(List.of(), List.of()));
        RougeScores onlyRouge1 = RougeScorer.builder().types(RougeType.ROUGE_1).build().score("a", "a");
        assertThrows(Lora4jException.class, () -> onlyRouge1.get(RougeType.ROUGE_L));
    }
}
