package dev.lora4j.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ROUGE-N: clipped n-gram overlap counts, as rouge-score's {@code _create_ngrams} and {@code _score_ngrams}. */
final class NgramOverlap {
    private NgramOverlap() {}

    static Score score(List<String> referenceTokens, List<String> predictionTokens, int n) {
        Map<List<String>, Integer> referenceCounts = countNgrams(referenceTokens, n);
        Map<List<String>, Integer> predictionCounts = countNgrams(predictionTokens, n);
        long overlap = 0;
        for (Map.Entry<List<String>, Integer> entry : referenceCounts.entrySet()) {
            overlap += Math.min(entry.getValue(), predictionCounts.getOrDefault(entry.getKey(), 0));
        }
        long referenceTotal = Math.max(0, referenceTokens.size() - n + 1);
        long predictionTotal = Math.max(0, predictionTokens.size() - n + 1);
        // rouge-score divides by max(count, 1), so a side with no n-grams gives 0 rather than NaN.
        double precision = (double) overlap / Math.max(predictionTotal, 1);
        double recall = (double) overlap / Math.max(referenceTotal, 1);
        return Score.of(precision, recall);
    }

    private static Map<List<String>, Integer> countNgrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int start = 0; start + n <= tokens.size(); start++) {
            counts.merge(tokens.subList(start, start + n), 1, Integer::sum);
        }
        return counts;
    }
}
