package dev.lora4j.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares a Java tokenizer with a reference job string by string: encoding each text must give the
 * reference ids, and decoding the reference ids must give each reference text. Prints the counts
 * (they go into the surefire report) and fails with the first differences.
 */
final class ParityCheck {
    private ParityCheck() {}

    /** One way of decoding, paired with the reference decoding at the same index. */
    interface DecodeVariant {
        String decode(Tokenizer tokenizer, int[] ids);
    }

    static final DecodeVariant SKIP_SPECIAL = (t, ids) -> t.decode(ids, true);
    static final DecodeVariant KEEP_SPECIAL = (t, ids) -> t.decode(ids, false);
    static final DecodeVariant SKIP_SPECIAL_NO_CLEANUP = (t, ids) -> t.decode(ids, true, false);
    static final DecodeVariant KEEP_SPECIAL_NO_CLEANUP = (t, ids) -> t.decode(ids, false, false);

    record Report(String name, int strings, int encodeMismatches, int decodesChecked, int decodeMismatches) {}

    static Report assertParity(String name, Tokenizer tokenizer, List<String> texts, ReferenceResults reference,
            DecodeVariant... decodes) {
        if (reference.size() != texts.size()) {
            fail(name + ": reference has " + reference.size() + " strings, corpus " + texts.size());
        }
        List<String> problems = new ArrayList<>();
        int encodeMismatches = 0;
        int decodeMismatches = 0;
        for (int i = 0; i < texts.size(); i++) {
            int[] expected = reference.ids(i);
            int[] actual = tokenizer.encode(texts.get(i));
            if (!Arrays.equals(expected, actual)) {
                encodeMismatches++;
                if (problems.size() < 5) {
                    problems.add("encode #" + i + " " + quote(texts.get(i)) + "\n    expected " + Arrays.toString(expected)
                            + "\n    actual   " + Arrays.toString(actual));
                }
            }
            for (int k = 0; k < decodes.length; k++) {
                String want = reference.decoded(i, k);
                String got = decodes[k].decode(tokenizer, expected);
                if (!want.equals(got)) {
                    decodeMismatches++;
                    if (problems.size() < 5) {
                        problems.add("decode #" + i + " variant " + k + " of " + Arrays.toString(expected)
                                + "\n    expected " + quote(want) + "\n    actual   " + quote(got));
                    }
                }
            }
        }
        Report report = new Report(name, texts.size(), encodeMismatches, texts.size() * decodes.length,
                decodeMismatches);
        System.out.printf("[tokenizer-parity] %s: %d strings encoded, %d id mismatches; %d decodes, %d text mismatches%n",
                name, report.strings(), encodeMismatches, report.decodesChecked(), decodeMismatches);
        if (!problems.isEmpty()) {
            fail(name + ": " + encodeMismatches + " encode and " + decodeMismatches + " decode mismatches, first:\n"
                    + String.join("\n", problems));
        }
        return report;
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        String shown = s.length() > 300 ? s.substring(0, 300) + "…" : s;
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c < 0xA0) || Character.isSurrogate(c)
                    || Character.getType(c) == Character.NON_SPACING_MARK || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
