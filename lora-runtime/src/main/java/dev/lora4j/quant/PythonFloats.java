package dev.lora4j.quant;

import java.math.BigDecimal;

/**
 * Python's {@code repr(float)}: the shortest decimal that reads back as the same double, in fixed
 * notation for decimal exponents -4 to 15 and scientific otherwise ({@code 1e-05}). bitsandbytes writes
 * {@code nested_offset} into its quant_state JSON with it, and a byte-identical file needs the same text.
 */
final class PythonFloats {
    private PythonFloats() {}

    /** repr(value) for a finite double. */
    static String repr(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("not finite: " + value);
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0.0" : "0.0";
        }
        // Java's Double.toString gives the shortest round-tripping digits (JDK 19+); only the layout differs.
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale(); // value = d.ddd × 10^exponent
        String sign = value < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String fixed;
            if (exponent >= digits.length() - 1) {
                fixed = digits + "0".repeat(exponent - (digits.length() - 1)) + ".0";
            } else if (exponent >= 0) {
                fixed = digits.substring(0, exponent + 1) + "." + digits.substring(exponent + 1);
            } else {
                fixed = "0." + "0".repeat(-exponent - 1) + digits;
            }
            return sign + fixed;
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format("%02d", Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }
}
