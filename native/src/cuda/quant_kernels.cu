// The 4-bit dequantization kernel (quant_kernels.cuh). One thread per packed byte, grid-stride: each byte's
// two codes become two outputs. The 16-value code table is read through shared memory.
#include "cuda/quant_kernels.cuh"

namespace l4j {
namespace cuda {

namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 4096;

template <typename T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) {
  return v;
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}
template <>
__device__ __forceinline__ __half from_float<__half>(float v) {
  return __float2half_rn(v);
}

template <typename T>
__global__ void __launch_bounds__(kThreads) dequantize_4bit_kernel(const uint8_t *__restrict__ packed,
                                                                   const float *__restrict__ absmax,
                                                                   const float *__restrict__ code16, int64_t n,
                                                                   int64_t blocksize, T *__restrict__ out) {
  __shared__ float code[16];
  if (threadIdx.x < 16) code[threadIdx.x] = code16[threadIdx.x];
  __syncthreads();
  const int64_t bytes = (n + 1) / 2;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < bytes; b += stride) {
    const uint8_t byte = packed[b];
    const int64_t i = 2 * b;
    // Blocks hold an even number of values (blocksize ≥ 32 is a power of two), so both share one scale.
    const float scale = absmax[i / blocksize];
    out[i] = from_float<T>(code[byte >> 4] * scale);
    if (i + 1 < n) out[i + 1] = from_float<T>(code[byte & 0x0F] * scale);
  }
}

#ifndef L4J_KERNEL_EMULATION
// kernel<<<grid, block, 0, stream>>>(args...), then the launch's status (the emulation header brings its own).
template <typename... KernelArgs, typename... Args>
cudaError_t launch_quant_kernel(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, cudaStream_t stream, Args... args) {
  kernel<<<grid, block, 0, stream>>>(args...);
  return cudaGetLastError();
}
#else
template <typename... KernelArgs, typename... Args>
cudaError_t launch_quant_kernel(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, cudaStream_t stream, Args... args) {
  return launch_kernel(kernel, grid, block, stream, args...);
}
#endif

}  // namespace

template <typename T>
cudaError_t launch_dequantize_4bit(const uint8_t *packed, const float *absmax, const float *code16, int64_t n,
                                   int64_t blocksize, T *out, cudaStream_t stream) {
  if (n < 0 || blocksize < 2 || (blocksize & 1) != 0) return cudaErrorInvalidValue;
  if (n == 0) return cudaSuccess;
  if (packed == nullptr || absmax == nullptr || code16 == nullptr || out == nullptr) return cudaErrorInvalidValue;
  const int64_t bytes = (n + 1) / 2;
  const int64_t wanted = (bytes + kThreads - 1) / kThreads;
  const int64_t blocks = wanted < kMaxBlocks ? wanted : kMaxBlocks;
  return launch_quant_kernel(dequantize_4bit_kernel<T>, dim3(static_cast<unsigned int>(blocks)), dim3(kThreads), stream,
                             packed, absmax, code16, n, blocksize, out);
}

template cudaError_t launch_dequantize_4bit<float>(const uint8_t *, const float *, const float *, int64_t, int64_t, float *,
                                                   cudaStream_t);
template cudaError_t launch_dequantize_4bit<__nv_bfloat16>(const uint8_t *, const float *, const float *, int64_t, int64_t,
                                                           __nv_bfloat16 *, cudaStream_t);
template cudaError_t launch_dequantize_4bit<__half>(const uint8_t *, const float *, const float *, int64_t, int64_t, __half *,
                                                    cudaStream_t);

}  // namespace cuda
}  // namespace l4j
