package dev.lora4j.quant;

import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.internal.Native;
import dev.lora4j.internal.TensorHandles;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The native blockwise quantization ops (native/src/quant): bitsandbytes' 4-bit and 8-bit blockwise
 * quantizers and dequantizers, bit for bit, and the 4-bit linear product. Every result is a new tensor.
 */
public final class QuantOps {
    private QuantOps() {}

    /** Packed codes and float32 absmax of a 4-bit quantization. */
    public record Packed(Tensor codes, Tensor absmax) implements AutoCloseable {
        @Override
        public void close() {
            codes.close();
            absmax.close();
        }
    }

    /**
     * w (float32, bfloat16 or float16, n elements) in blocks of blocksize consecutive row-major elements:
     * uint8 codes ((n + 1) / 2, 1), element 2i in the high nibble, and float32 absmax (ceil(n / blocksize)).
     */
    public static Packed quantize4bit(Tensor w, int blocksize, QuantType type) {
        try (var f = Native.frame()) {
            MemorySegment packed = f.pointerOut();
            MemorySegment absmax = f.pointerOut();
            Native.check(lora4j_h.l4j_quantize_4bit(TensorHandles.of(w), blocksize, type.code(), packed, absmax));
            return new Packed(TensorHandles.adopt(Native.readPointer(packed)), TensorHandles.adopt(Native.readPointer(absmax)));
        }
    }

    /** code(packed) · absmax[block] in float32, rounded once to dtype, in the given shape. */
    public static Tensor dequantize4bit(Tensor packed, Tensor absmax, int blocksize, QuantType type, long[] shape, DType dtype) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_dequantize_4bit(TensorHandles.of(packed), TensorHandles.of(absmax), blocksize, type.code(),
                    f.longs(shape), shape.length, dtype.code(), out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /** The 16 float32 values of a 4-bit code (bitsandbytes' {@code quant_map}). */
    public static Tensor code4bit(QuantType type) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_quant_code_4bit(type.code(), out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /** bitsandbytes' signed 8-bit dynamic map, 256 float32 values (the {@code nested_quant_map}). */
    public static Tensor dynamicMap() {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_quant_dynamic_map(out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /** a (float32) in blocks of blocksize: uint8 codes of a's shape and float32 absmax, as bitsandbytes' CPU quantize_blockwise. */
    public static Packed quantizeBlockwise8bit(Tensor a, Tensor code, int blocksize) {
        try (var f = Native.frame()) {
            MemorySegment codes = f.pointerOut();
            MemorySegment absmax = f.pointerOut();
            Native.check(lora4j_h.l4j_quantize_blockwise_8bit(TensorHandles.of(a), TensorHandles.of(code), blocksize, codes, absmax));
            return new Packed(TensorHandles.adopt(Native.readPointer(codes)), TensorHandles.adopt(Native.readPointer(absmax)));
        }
    }

    /** code[codes] · absmax[block], float32. */
    public static Tensor dequantizeBlockwise8bit(Tensor codes, Tensor absmax, Tensor code, int blocksize) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_dequantize_blockwise_8bit(TensorHandles.of(codes), TensorHandles.of(absmax), TensorHandles.of(code),
                    blocksize, out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * x · Wᵀ with W (outFeatures, inFeatures) dequantized from (packed, absmax) into x's dtype for this
     * product only; differentiable in x, never in W (backward dequantizes again into weightDType).
     */
    public static Tensor linear4bit(Tensor x, Tensor packed, Tensor absmax, int blocksize, QuantType type, long outFeatures,
                                    long inFeatures, DType weightDType) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_linear_4bit(TensorHandles.of(x), TensorHandles.of(packed), TensorHandles.of(absmax), blocksize,
                    type.code(), outFeatures, inFeatures, weightDType.code(), out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }
}
