package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
/**
 * Element types. {@link #code()} is the value of the matching {@code L4J_DTYPE_*} constant in
 * native/include/lora4j.h; {@link #safetensorsName()} is the dtype string in safetensors headers.
 */
public enum DType {
    /** 32-bit IEEE float. */
    FLOAT32(0, 4, "F32"),
    /** 64-bit IEEE float. */
    FLOAT64(1, 8, "F64"),
    /** 16-bit IEEE half-precision float. */
    FLOAT16(2, 2, "F16"),
    /** 16-bit brain float (float32's exponent range, 8 bits of mantissa). */
    BFLOAT16(3, 2, "BF16"),
    /** 64-bit signed integer. */
    INT64(4, 8, "I64"),
    /** 32-bit signed integer. */
    INT32(5, 4, "I32"),
    /** 16-bit signed integer. */
    INT16(6, 2, "I16"),
    /** 8-bit signed integer. */
    INT8(7, 1, "I8"),
    /** 8-bit unsigned integer. */
    UINT8(8, 1, "U8"),
    /** Boolean, one byte per element. */
    BOOL(9, 1, "BOOL");

    private final int code;
    private final int byteSize;
    private final String safetensorsName;

    DType(int code, int byteSize, String safetensorsName) {
        this.code = code;
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    /**
     * The value of the matching {@code L4J_DTYPE_*} constant in native/include/lora4j.h.
     *
     * @return the native dtype code
     */
    public int code() {
        return code;
    }

    /**
     * The size of one element.
     *
     * @return bytes per element
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The dtype string in safetensors headers.
     *
     * @return a name such as {@code "F32"} or {@code "BF16"}
     */
    public String safetensorsName() {
        return safetensorsName;
    }

    /**
     * Whether this is a floating-point type.
     *
     * @return true for FLOAT32, FLOAT64, FLOAT16 and BFLOAT16
     */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }

    /**
     * The dtype with the given native code.
     *
     * @param code a value of an {@code L4J_DTYPE_*} constant
     * @return the matching dtype
     * @throws Lora4jException if no dtype has that code
     */
    public static DType fromCode(int code) {
        for (DType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new Lora4jException("dtype", "unknown dtype code " + code);
    }

    /**
     * The dtype a safetensors header names.
     *
     * @param name the dtype string of a safetensors header, such as {@code "F32"}
     * @return the matching dtype
     * @throws Lora4jException naming the string if it is not supported
     */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new Lora4jException("safetensors", "unsupported dtype \"" + name + "\"");
    }
}
