// Float32 products with a weight on the CPU through ATen (MKL in the pinned wheel), or, opted into, through
// oneDNN, which ships inside libtorch_cpu too. Alone, oneDNN's AVX-512 sgemm runs T5's projections 10-30%
// faster than MKL's on an AMD Zen 4; inside the training step it was not faster (forward slower, backward
// faster; docs/PERFORMANCE.md "CPU GEMM library", issue 20), so ATen stays the default until that is
// understood. The environment variable chooses, once per process:
//   LORA4J_CPU_GEMM=aten (default): every product exactly as before this file
//   LORA4J_CPU_GEMM=onednn: frozen-weight products (forward and input gradient) through oneDNN
#pragma once

#include <ATen/ATen.h>

#include <optional>

namespace l4j {

// x2 (N, in) · wᵀ (+ bias), w (out, in): at::linear's result, from the chosen library.
at::Tensor cpu_linear(const at::Tensor &x2, const at::Tensor &w, const std::optional<at::Tensor> &bias);

// dy (N, out) · w, w (out, in): the input gradient of a linear layer.
at::Tensor cpu_matmul_weight(const at::Tensor &dy, const at::Tensor &w);

// A linear layer whose weight (and bias) take no gradient: at::linear where it does not apply (not a CPU
// float32 product, weight trainable), otherwise an autograd node whose forward and backward (dx only) run
// through the chosen library. Same graph semantics as at::linear for frozen weights.
at::Tensor frozen_linear(const at::Tensor &x, const at::Tensor &w, const std::optional<at::Tensor> &bias);

// 1 when products run through oneDNN (LORA4J_CPU_GEMM=onednn and libtorch has it), 0 through ATen.
int cpu_gemm_uses_onednn();

}  // namespace l4j
