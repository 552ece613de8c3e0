package dev.lora4j.testing;

import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** The comparisons the parity tests make against a reference, with the measured error printed. */
public final class ParityAsserts {
    private ParityAsserts() {}

    /**
     * max |expected − actual| ≤ rtol · max |expected| over the whole tensor; prints the error, which the docs
     * quote.
     */
    public static void assertClose(String what, double[] expected, double[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + " size");
        double max = 0;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(err <= rtol * max, what + ": max error " + err + " > " + rtol + " * " + max);
        System.out.printf(Locale.ROOT, "%s: max error %.2e of max %.2e%n", what, err, max);
    }

    /** Generated token ids, row by row, as the reference printed them (a JSON list of lists). */
    public static void assertTokens(String what, JsonNode expected, long[][] actual) {
        assertEquals(expected.size(), actual.length, what + " rows");
        for (int row = 0; row < actual.length; row++) {
            assertArrayEquals(longs(expected.get(row)), actual[row], what + " row " + row);
        }
    }
}
