// Device guard, current stream, dtype dispatch and error reporting around launch_dequantize_4bit.
#include "cuda/quant_cuda.h"

#include <string>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "cuda/quant_kernels.cuh"

namespace l4j {

at::Tensor dequantize_4bit_cuda(const at::Tensor &packed, const at::Tensor &absmax, const float *code16, int64_t blocksize,
                                at::IntArrayRef shape, at::ScalarType dtype) {
  c10::cuda::CUDAGuard guard(packed.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream(packed.device().index()).stream();
  at::Tensor p = packed.contiguous();
  at::Tensor a = absmax.contiguous();
  at::Tensor code = at::from_blob(const_cast<float *>(code16), {16}, at::kFloat).to(packed.device());
  at::Tensor out = at::empty(shape, packed.options().dtype(dtype));
  const int64_t n = out.numel();
  cudaError_t err;
  switch (dtype) {
    case at::kFloat:
      err = cuda::launch_dequantize_4bit(p.data_ptr<uint8_t>(), a.data_ptr<float>(), code.data_ptr<float>(), n, blocksize,
                                         out.data_ptr<float>(), stream);
      break;
    case at::kBFloat16:
      err = cuda::launch_dequantize_4bit(p.data_ptr<uint8_t>(), a.data_ptr<float>(), code.data_ptr<float>(), n, blocksize,
                                         reinterpret_cast<__nv_bfloat16 *>(out.data_ptr<at::BFloat16>()), stream);
      break;
    case at::kHalf:
      err = cuda::launch_dequantize_4bit(p.data_ptr<uint8_t>(), a.data_ptr<float>(), code.data_ptr<float>(), n, blocksize,
                                         reinterpret_cast<__half *>(out.data_ptr<at::Half>()), stream);
      break;
    default:
      TORCH_CHECK(false, "dequantize_4bit_cuda: unsupported dtype ", dtype);
  }
  TORCH_CHECK(err == cudaSuccess, "dequantize_4bit kernel: ", cudaGetErrorString(err));
  return out;
}

}  // namespace l4j
