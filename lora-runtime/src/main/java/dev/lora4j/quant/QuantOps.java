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

    /**
     * Packed codes and float32 absmax of a 4-bit quantization (also used for the 8-bit blockwise one).
     *
     * @param codes  the uint8 codes: two 4-bit codes a byte, or one 8-bit code a byte
     * @param absmax the float32 absolute maximum of each block, one per block
     */
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
     *
     * @param w         the weight to quantize; not modified
     * @param blocksize how many consecutive elements share one absmax
     * @param type      the 4-bit code, FP4 or NF4
     * @return new codes and absmax, owned by the caller (or the open scope)
     */
    public static Packed quantize4bit(Tensor w, int blocksize, QuantType type) {
        try (var f = Native.frame()) {
            MemorySegment packed = f.pointerOut();
            MemorySegment absmax = f.pointerOut();
            Native.check(lora4j_h.l4j_quantize_4bit(TensorHandles.of(w), blocksize, type.code(), packed, absmax));
            return new Packed(TensorHandles.adopt(Native.readPointer(packed)), TensorHandles.adopt(Native.readPointer(absmax)));
        }
    }

    /**
     * code(packed) · absmax[block] in float32, rounded once to dtype, in the given shape.
     *
     * @param packed    uint8 codes from {@link #quantize4bit}, two a byte
     * @param absmax    float32 absmax, one per block
     * @param blocksize the block size the codes were quantized with
     * @param type      the 4-bit code the codes were quantized with
     * @param shape     the shape of the result; its element count is the number of codes
     * @param dtype     the dtype of the result
     * @return a new tensor, owned by the caller (or the open scope)
     */
    public static Tensor dequantize4bit(Tensor packed, Tensor absmax, int blocksize, QuantType type, long[] shape, DType dtype) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_dequantize_4bit(TensorHandles.of(packed), TensorHandles.of(absmax), blocksize, type.code(),
                    f.longs(shape), shape.length, dtype.code(), out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * The 16 float32 values of a 4-bit code (bitsandbytes' {@code quant_map}).
     *
     * @param type the 4-bit code, FP4 or NF4
     * @return a new (16) float32 tensor, owned by the caller (or the open scope)
     */
    public static Tensor code4bit(QuantType type) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_quant_code_4bit(type.code(), out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * bitsandbytes' signed 8-bit dynamic map, 256 float32 values (the {@code nested_quant_map}).
     *
     * @return a new (256) float32 tensor, owned by the caller (or the open scope)
     */
    public static Tensor dynamicMap() {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_quant_dynamic_map(out));
            return TensorHandles.adopt(Native.readPointer(out));
        }
    }

    /**
     * a (float32) in blocks of blocksize: uint8 codes of a's shape and float32 absmax, as bitsandbytes' CPU quantize_blockwise.
     *
     * @param a         the float32 values to quantize; not modified
     * @param code      the 256 float32 values of the 8-bit code, e.g. {@link #dynamicMap()}
     * @param blocksize how many consecutive elements share one absmax
     * @return new codes and absmax, owned by the caller (or the open scope)
     */
    public static Packed quantizeBlockwise8bit(Tensor a, Tensor code, int blocksize) {
        try (var f = Native.frame()) {
            MemorySegment codes = f.pointerOut();
            MemorySegment absmax = f.pointerOut();
            Native.check(lora4j_h.l4j_quantize_blockwise_8bit(TensorHandles.of(a), TensorHandles.of(code), blocksize, codes, absmax));
            return new Packed(TensorHandles.adopt(Native.readPointer(codes)), TensorHandles.adopt(Native.readPointer(absmax)));
        }
    }

    /**
     * code[codes] · absmax[block], float32.
     *
     * @param codes     uint8 codes from {@link #quantizeBlockwise8bit}
     * @param absmax    float32 absmax, one per block
     * @param code      the 256 float32 values of the 8-bit code the codes index
     * @param blocksize the block size the codes were quantized with
     * @return a new float32 tensor of codes' shape, owned by the caller (or the open scope)
     */
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
     *
     * @param x           (…, inFeatures) input
     * @param packed      W's uint8 4-bit codes, two a byte
     * @param absmax      W's float32 absmax, one per block
     * @param blocksize   the block size W was quantized with
     * @param type        the 4-bit code W was quantized with
     * @param outFeatures W's rows
     * @param inFeatures  W's columns
     * @param weightDType the dtype W is dequantized into for the backward pass
     * @return (…, outFeatures) in x's dtype, a new tensor owned by the caller (or the open scope)
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
