package dev.lora4j.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Longest common subsequence of two token lists, with the same dynamic-programming table and the same
 * backtracking tie-break as rouge-score ({@code _lcs_table}, {@code _backtrack_norec}). The tie-break
 * matters: ROUGE-Lsum takes the union of the LCS positions found, and a different (equally long) LCS
 * can change that union.
 */
final class LongestCommonSubsequence {
    private LongestCommonSubsequence() {}

    /** Length of an LCS, in O(min-row) memory: ROUGE-L needs only the length. */
    static int length(List<String> reference, List<String> candidate) {
        int cols = candidate.size();
        int[] previous = new int[cols + 1];
        int[] current = new int[cols + 1];
        for (String refToken : reference) {
            for (int j = 1; j <= cols; j++) {
                current[j] = refToken.equals(candidate.get(j - 1))
                        ? previous[j - 1] + 1
                        : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[cols];
    }

    /**
     * Positions in {@code reference} of one LCS, ascending: the one rouge-score's backtrack reads out
     * (walking back from the end, preferring to drop a candidate token only when that keeps a strictly
     * longer LCS).
     */
    static List<Integer> referenceIndices(List<String> reference, List<String> candidate) {
        int rows = reference.size();
        int cols = candidate.size();
        int[][] table = new int[rows + 1][cols + 1];
        for (int i = 1; i <= rows; i++) {
            String refToken = reference.get(i - 1);
            for (int j = 1; j <= cols; j++) {
                table[i][j] = refToken.equals(candidate.get(j - 1))
                        ? table[i - 1][j - 1] + 1
                        : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        List<Integer> reversed = new ArrayList<>();
        int i = rows;
        int j = cols;
        while (i > 0 && j > 0) {
            if (reference.get(i - 1).equals(candidate.get(j - 1))) {
                reversed.add(i - 1);
                i--;
                j--;
            } else if (table[i][j - 1] > table[i - 1][j]) {
                j--;
            } else {
                i--;
            }
        }
        return reversed.reversed();
    }
}
