package dev.lora4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The LCS table and backtrack, on rouge-score's own examples. */
class LongestCommonSubsequenceTest {

    private static List<String> tokens(String text) {
        return List.of(text.split(" "));
    }

    @Test
    void lengthAndReferencePositions() {
        List<String> reference = tokens("1 2 3 4 5");
        List<String> candidate = tokens("2 5 3 4");
        assertEquals(3, LongestCommonSubsequence.length(reference, candidate));
        assertEquals(List.of(1, 2, 3), LongestCommonSubsequence.referenceIndices(reference, candidate));
    }

    @Test
    void noCommonToken() {
        assertEquals(0, LongestCommonSubsequence.length(tokens("1 2 3 4 5"), tokens("8 9")));
        assertEquals(List.of(), LongestCommonSubsequence.referenceIndices(tokens("1 2 3 4 5"), tokens("8 9")));
        assertEquals(0, LongestCommonSubsequence.length(List.of(), tokens("8 9")));
    }

    @Test
    void backtrackPrefersDroppingReferenceTokensOnTies() {
        // Two LCS of length 1 exist ("a" or "b"). On a tie rouge-score's backtrack drops the reference
        // token rather than the candidate token, so it skips "b" and reads out "a" at reference position 0.
        assertEquals(List.of(0), LongestCommonSubsequence.referenceIndices(tokens("a b"), tokens("b a")));
    }
}
