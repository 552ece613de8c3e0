package dev.lora4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding helpers matching the references' error handling. */
final class Utf8 {
    private Utf8() {}

    /**
     * Length of the well-formed UTF-8 sequence starting at {@code i} (1 to 4), or 0 when it is not
     * well formed (no overlongs, no surrogates, nothing above U+10FFFF).
     */
    static int validSequenceLength(byte[] b, int i) {
        int lead = b[i] & 0xFF;
        if (lead < 0x80) {
            return 1;
        }
        int needed;
        int secondLow = 0x80;
        int secondHigh = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            needed = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            needed = 2;
            if (lead == 0xE0) {
                secondLow = 0xA0;
            } else if (lead == 0xED) {
                secondHigh = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            needed = 3;
            if (lead == 0xF0) {
                secondLow = 0x90;
            } else if (lead == 0xF4) {
                secondHigh = 0x8F;
            }
        } else {
            return 0;
        }
        return continuationBytes(b, i, needed, secondLow, secondHigh) == needed ? needed + 1 : 0;
    }

    /** How many valid continuation bytes follow the lead byte at {@code i}, up to {@code needed}. */
    private static int continuationBytes(byte[] b, int i, int needed, int secondLow, int secondHigh) {
        int count = 0;
        for (int k = 1; k <= needed; k++) {
            if (i + k >= b.length) {
                return count;
            }
            int c = b[i + k] & 0xFF;
            int low = k == 1 ? secondLow : 0x80;
            int high = k == 1 ? secondHigh : 0xBF;
            if (c < low || c > high) {
                return count;
            }
            count++;
        }
        return count;
    }

    /**
     * Python's {@code bytes.decode("utf-8", errors="ignore")}: each ill-formed stretch (a bad lead
     * byte, or a lead byte with the valid continuation bytes that follow it) is dropped and decoding
     * resumes right after it.
     */
    static String decodeIgnoringErrors(byte[] b) {
        ByteArrayOutputStream valid = new ByteArrayOutputStream(b.length);
        int i = 0;
        while (i < b.length) {
            int length = validSequenceLength(b, i);
            if (length > 0) {
                valid.write(b, i, length);
                i += length;
                continue;
            }
            int lead = b[i] & 0xFF;
            int skip = 1;
            if (lead >= 0xC2 && lead <= 0xF4) {
                int needed = lead <= 0xDF ? 1 : lead <= 0xEF ? 2 : 3;
                int secondLow = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
                int secondHigh = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
                skip += continuationBytes(b, i, needed, secondLow, secondHigh);
            }
            i += skip;
        }
        return valid.toString(StandardCharsets.UTF_8);
    }
}
