// Blockwise 4-bit (NF4, FP4) and 8-bit (dynamic map) quantization, computed exactly as bitsandbytes
// 0.50.x does on the CPU, so that packed codes, scales and dequantized weights are bit-identical.
// docs/QLORA.md and shared/reference/peft-methods.md §7 describe the algorithm.
#pragma once

#include <utility>

#include <ATen/ATen.h>

namespace l4j {

// 0 = NF4, 1 = FP4 (L4J_QUANT_NF4 / L4J_QUANT_FP4 of lora4j.h).
constexpr int kQuantNf4 = 0;
constexpr int kQuantFp4 = 1;

// The 16 float32 values a 4-bit code stands for (bitsandbytes' get_4bit_type), indexed by code.
const float *quant4_code(int quant_type);

// Validates blocksize as bitsandbytes' quantize_4bit does (a power of two in [32, 4096]).
void check_quant4_blocksize(int64_t blocksize);

// w (any shape; float32, bfloat16 or float16) → (packed uint8 ((n + 1) / 2, 1), absmax float32 (ceil(n / bs))).
// Element 2i goes to the high nibble of byte i, element 2i+1 to the low nibble.
std::pair<at::Tensor, at::Tensor> quantize_4bit(const at::Tensor &w, int64_t blocksize, int quant_type);

// code(packed) · absmax[block] in float32, rounded once to dtype, in the given shape.
at::Tensor dequantize_4bit(const at::Tensor &packed, const at::Tensor &absmax, int64_t blocksize, int quant_type,
                           at::IntArrayRef shape, at::ScalarType dtype);

// bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): 256 sorted float32 values.
at::Tensor dynamic_map();

// a (float32, any shape) → (codes uint8 of a's shape, absmax float32 (ceil(n / bs))): each value scaled by its
// block's 1/absmax and mapped to the nearest code value through a 65536-bin lookup table, as bitsandbytes'
// CPU quantize_blockwise does (which is why values within ~1.5e-5 of a code midpoint may take the far code).
std::pair<at::Tensor, at::Tensor> quantize_blockwise_8bit(const at::Tensor &a, const at::Tensor &code,
                                                          int64_t blocksize);

// code[codes] · absmax[block], float32, codes' shape.
at::Tensor dequantize_blockwise_8bit(const at::Tensor &codes, const at::Tensor &absmax, const at::Tensor &code,
                                     int64_t blocksize);

// x · dequantize_4bit(W)ᵀ with W (out_features, in_features) dequantized into x's dtype for the product and
// freed after it. Differentiable in x only: backward dequantizes again (into weight_dtype, then dy's dtype,
// as bitsandbytes' MatMul4Bit) and never produces a weight gradient.
at::Tensor linear_4bit(const at::Tensor &x, const at::Tensor &packed, const at::Tensor &absmax, int64_t blocksize,
                       int quant_type, int64_t out_features, int64_t in_features, at::ScalarType weight_dtype);

}  // namespace l4j
