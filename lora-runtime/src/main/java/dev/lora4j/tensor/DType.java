package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
/**
 * Element types. {@link #code()} is the value of the matching {@code L4J_DTYPE_*} constant in
 * native/include/lora4j.h; {@link #safetensorsName()} is the dtype string in safetensors headers.
 */
public enum DType {
    FLOAT32(0, 4, "F32"),
    FLOAT64(1, 8, "F64"),
    FLOAT16(2, 2, "F16"),
    BFLOAT16(3, 2, "BF16"),
    INT64(4, 8, "I64"),
    INT32(5, 4, "I32"),
    INT16(6, 2, "I16"),
    INT8(7, 1, "I8"),
    UINT8(8, 1, "U8"),
    BOOL(9, 1, "BOOL");

    private final int code;
    private final int byteSize;
    private final String safetensorsName;

    DType(int code, int byteSize, String safetensorsName) {
        this.code = code;
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    public int code() {
        return code;
    }

    public int byteSize() {
        return byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }

    public static DType fromCode(int code) {
        for (DType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new Lora4jException("dtype", "unknown dtype code " + code);
    }

    /** The dtype a safetensors header names, or an exception naming the unknown string. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new Lora4jException("safetensors", "unsupported dtype \"" + name + "\"");
    }
}
