// Float32 products with a frozen weight on the CPU through ATen (MKL in the pinned wheel) or through oneDNN,
// which ships inside libtorch_cpu too. Which is faster depends on the CPU: on an AMD Zen 4, MKL takes a
// generic code path and oneDNN's AVX-512 kernels run T5's projections 5-30% faster; on other CPUs MKL may
// win, so by default the library is chosen by measuring, not by vendor. Inside the flan-t5-large training
// step oneDNN saved 12% on that CPU once its kernel caches were bounded (cpu_gemm.cpp; before, every new
// row count kept its kernels and grew the process by gigabytes; docs/PERFORMANCE.md "CPU GEMM library",
// issue 20). The environment variable decides once per process, at the first product:
//   LORA4J_CPU_GEMM=auto (default, or unset): time both on a T5-sized product, oneDNN if it is >= 5% faster
//   LORA4J_CPU_GEMM=aten: every product through ATen
//   LORA4J_CPU_GEMM=onednn: frozen-weight products (forward and input gradient) through oneDNN
// The two libraries sum in different orders, so results differ in the last float32 bits; a resumed
// training run selects the library its checkpoint recorded (cpu_gemm_select) to continue bit for bit.
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

// 1 when products run through oneDNN, 0 through ATen; decides first if nothing has yet (see above).
// Throws ArgumentError for a LORA4J_CPU_GEMM that is not aten, onednn or auto (or empty).
int cpu_gemm_uses_onednn();

// Makes products run through ATen (0) or oneDNN (1) from now on, whatever was chosen before; throws
// ArgumentError for another value or for oneDNN when libtorch lacks it.
void cpu_gemm_select(int library);

}  // namespace l4j
