// ATen glue of the 4-bit dequantization kernel (quant_kernels.cu), built with L4J_WITH_CUDA_KERNELS.
#pragma once

#include <ATen/ATen.h>

namespace l4j {

// packed (uint8, (n + 1) / 2 values) and absmax (float32) on one CUDA device; code16 the 16 host floats of the
// 4-bit type. Returns the dequantized weight of the given shape and dtype on that device.
at::Tensor dequantize_4bit_cuda(const at::Tensor &packed, const at::Tensor &absmax, const float *code16, int64_t blocksize,
                                at::IntArrayRef shape, at::ScalarType dtype);

}  // namespace l4j
