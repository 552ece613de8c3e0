package dev.lora4j.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * ROUGE-Lsum: the summary-level LCS of section 3.2 of Lin (2004), as rouge-score's
 * {@code _summary_level_lcs} computes it. For each reference sentence, the union of its LCS positions
 * with every candidate sentence is taken; the union's tokens count as hits, but each token type only as
 * often as it occurs on both sides overall (the double-counting guard of ROUGE-1.5.5).
 */
final class SummaryLevelLcs {
    private SummaryLevelLcs() {}

    static Score score(List<List<String>> referenceSentences, List<List<String>> candidateSentences) {
        if (referenceSentences.isEmpty() || candidateSentences.isEmpty()) {
            return Score.ZERO;
        }
        int referenceTokenCount = totalSize(referenceSentences);
        int candidateTokenCount = totalSize(candidateSentences);
        if (referenceTokenCount == 0 || candidateTokenCount == 0) {
            return Score.ZERO;
        }
        Map<String, Integer> referenceRemaining = countTokens(referenceSentences);
        Map<String, Integer> candidateRemaining = countTokens(candidateSentences);

        int hits = 0;
        for (List<String> referenceSentence : referenceSentences) {
            for (String token : unionLcsTokens(referenceSentence, candidateSentences)) {
                int inCandidate = candidateRemaining.getOrDefault(token, 0);
                int inReference = referenceRemaining.getOrDefault(token, 0);
                if (inCandidate > 0 && inReference > 0) {
                    hits++;
                    candidateRemaining.put(token, inCandidate - 1);
                    referenceRemaining.put(token, inReference - 1);
                }
            }
        }
        double recall = (double) hits / referenceTokenCount;
        double precision = (double) hits / candidateTokenCount;
        return Score.of(precision, recall);
    }

    /** Tokens of the reference sentence at the sorted union of its LCS positions with each candidate. */
    private static List<String> unionLcsTokens(List<String> referenceSentence, List<List<String>> candidates) {
        TreeSet<Integer> union = new TreeSet<>();
        for (List<String> candidate : candidates) {
            union.addAll(LongestCommonSubsequence.referenceIndices(referenceSentence, candidate));
        }
        return union.stream().map(referenceSentence::get).toList();
    }

    private static int totalSize(List<List<String>> sentences) {
        int total = 0;
        for (List<String> sentence : sentences) {
            total += sentence.size();
        }
        return total;
    }

    private static Map<String, Integer> countTokens(List<List<String>> sentences) {
        Map<String, Integer> counts = new HashMap<>();
        for (List<String> sentence : sentences) {
            for (String token : sentence) {
                counts.merge(token, 1, Integer::sum);
            }
        }
        return counts;
    }
}
