// Float32 products with a weight on the CPU through the GEMM library that is fastest on this CPU: ATen's
// (MKL in the pinned wheel) or oneDNN's, which ships inside libtorch_cpu too. On an AMD Zen 4, oneDNN's
// AVX-512 sgemm runs T5's projections 10-30% faster than MKL's (docs/PERFORMANCE.md, issue 20); other CPUs
// may rank them the other way, so the choice is measured once per process, never guessed from the vendor.
//   LORA4J_CPU_GEMM=auto (default): time both on a T5-sized product at first use, keep the faster
//   LORA4J_CPU_GEMM=onednn / aten: force one (aten: every product exactly as before this file)
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

// 1 when products run through oneDNN, 0 through ATen; measures on the first call when LORA4J_CPU_GEMM=auto.
int cpu_gemm_uses_onednn();

}  // namespace l4j
