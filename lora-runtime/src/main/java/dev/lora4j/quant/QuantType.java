package dev.lora4j.quant;

import dev.lora4j.Lora4jException;

/**
 * The 4-bit data types of bitsandbytes: NormalFloat4 (QLoRA's, a code of normal quantiles) and FP4 (a
 * 1-2-1 bit float). {@link #code()} is the {@code L4J_QUANT_*} constant of native/include/lora4j.h,
 * {@link #jsonName()} the {@code quant_type} of bitsandbytes' quant_state and of transformers'
 * {@code bnb_4bit_quant_type}.
 */
public enum QuantType {
    /** NormalFloat4: 16 levels at quantiles of the normal distribution, QLoRA's choice. */
    NF4(0, "nf4"),
    /** FP4: a 4-bit float with 1 sign, 2 exponent and 1 mantissa bits. */
    FP4(1, "fp4");

    private final int code;
    private final String jsonName;

    QuantType(int code, String jsonName) {
        this.code = code;
        this.jsonName = jsonName;
    }

    /**
     * The native constant.
     *
     * @return the {@code L4J_QUANT_*} value passed to liblora4j
     */
    public int code() {
        return code;
    }

    /**
     * "nf4" or "fp4".
     *
     * @return the name bitsandbytes and transformers use
     */
    public String jsonName() {
        return jsonName;
    }

    /**
     * The type named "nf4" or "fp4" (case-insensitive), or an error naming what was given.
     *
     * @param name "nf4" or "fp4", in any case
     * @return the type
     * @throws Lora4jException for any other name
     */
    public static QuantType parse(String name) {
        for (QuantType t : values()) {
            if (t.jsonName.equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new Lora4jException("quantize", "unknown 4-bit quant type \"" + name + "\" (nf4 or fp4)");
    }
}
