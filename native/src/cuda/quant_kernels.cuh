// The 4-bit dequantization kernel's C++ interface (docs/QLORA.md): raw pointers, a stream, a cudaError_t
// status; no ATen, so the CPU emulation (native/tests/cuda_emulation.h) can run it unchanged.
#pragma once

#include <cstdint>

#ifndef L4J_KERNEL_EMULATION  // native/tests/cuda_emulation.h stands in for CUDA on a CPU
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#endif

namespace l4j {
namespace cuda {

// out[i] = code16[q_i] · absmax[i / blocksize] for i < n, with q_i the high nibble of packed[i / 2] for even i
// and the low nibble for odd i; the product in float32, rounded once to T (float, __nv_bfloat16, __half):
// the arithmetic of quant4.cpp's CPU loop and of bitsandbytes' reference dequantizer.
template <typename T>
cudaError_t launch_dequantize_4bit(const uint8_t *packed, const float *absmax, const float *code16, int64_t n,
                                   int64_t blocksize, T *out, cudaStream_t stream);

}  // namespace cuda
}  // namespace l4j
