// CUDA kernels of the fused LoRA op, in llm.c's style: raw pointers, shapes and a cudaStream_t in,
// cudaError_t out, never exit. No ATen here: the glue in lora_cuda.cpp owns tensors, dtypes and streams.
// This header is plain C++ (g++ includes it); the kernels themselves are in lora_kernels.cu.
//
// Notation (one LoRA layer, N = tokens, in = input features, adapters j = 0..count-1 reading one x):
//   x   (N, in)      the layer's input, dtype TX
//   A_j (r_j, in)    adapter j's down projection, dtype TW (the adapter dtype)
//   D_j(x)           inverted dropout: x ⊙ keep_j / (1 - p), keep_j drawn from Philox(seed, offset_j)
//   h_j (N, r_j)     D_j(x)·A_jᵀ                       (forward, kernel lora_down)
//   g_j (N, r_j)     s_j·dy_j·B_j  (computed by cuBLAS)
//   dA_j (r_j, in)   g_jᵀ·D_j(x)                       (backward, kernel lora_grad_a)
//   dx  (N, in)      dx += Σ_j D_j(g_j·A_j)            (backward, kernel lora_grad_x_add; dtype TD)
// Every matrix is row-major and contiguous. Element (n, k) of x has flat index n·in + k, and its mask
// is the one the CPU reference (cpu/lora_dropout_cpu.cpp) draws for that flat index: bit-identical.
#pragma once

#include <cstdint>

#ifndef L4J_KERNEL_EMULATION  // native/tests/cuda_emulation.h stands in for CUDA on a CPU
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#endif

namespace l4j {
namespace cuda {

// Most adapters one launch handles (T5: q and v share x; a packed q|k|v has three).
constexpr int kMaxAdapters = 4;

// Accumulation type: float for float / bf16 / half, double for double (ATen's opmath_type).
template <typename T>
struct AccType {
  using type = float;
};
template <>
struct AccType<double> {
  using type = double;
};
template <typename T>
using acc_t = typename AccType<T>::type;

// Dropout parameters shared by every kernel. keep = 1 / (1 - p) computed in double on the host, cast
// to the accumulation type in the kernel, exactly as the CPU loop does. p <= 0 means no dropout.
struct Dropout {
  uint64_t seed;
  float p;      // static_cast<float>(p), compared with the 24-bit uniform as on the CPU
  double keep;  // 1.0 / (1.0 - p)
};

// Up to kMaxAdapters adapters reading the same x, passed by value to the kernels (a plain aggregate:
// create it as `AdapterSet<TW> set{};`). Adapter j owns the columns [start[j], start[j] + r[j]) of the
// concatenated rank space [0, total_r); start[0] = 0 and start[j+1] = start[j] + r[j].
template <typename TW>
struct AdapterSet {
  int count;
  int total_r;
  int r[kMaxAdapters];
  int start[kMaxAdapters];
  uint64_t offset[kMaxAdapters];  // Philox offset of adapter j's mask (offset + j·numel(x))
  const TW *a[kMaxAdapters];      // A_j (r_j, in): read by lora_down and lora_grad_x_add
  const TW *g[kMaxAdapters];      // g_j (N, r_j): read by lora_grad_a and lora_grad_x_add
  TW *out[kMaxAdapters];          // lora_down: h_j (N, r_j); lora_grad_a: dA_j (r_j, in)
};

// out[i] = x[i] · keep_i / (1 - p) for i < n, mask drawn at (seed, offset). out may equal x.
template <typename T>
cudaError_t launch_lora_dropout(const T *x, T *out, int64_t n, Dropout d, uint64_t offset, cudaStream_t stream);

// h_j = D_j(x)·A_jᵀ for every adapter of the set, x read once per tile for all of them.
// Uses set.a and set.out (h_j). TX is x's dtype, TW the adapters'.
template <typename TX, typename TW>
cudaError_t launch_lora_down(const TX *x, int64_t n, int64_t in, const AdapterSet<TW> &set, Dropout d,
                             cudaStream_t stream);

// dA_j = g_jᵀ·D_j(x), mask regenerated. Uses set.g and set.out (dA_j). The token dimension is split
// over `splits` blocks whose partial sums go to workspace (splits · total_r · in elements of acc_t<TW>),
// then summed in a fixed order (deterministic). splits from lora_grad_a_splits.
template <typename TX, typename TW>
cudaError_t launch_lora_grad_a(const TX *x, int64_t n, int64_t in, const AdapterSet<TW> &set, Dropout d,
                               acc_t<TW> *workspace, int splits, cudaStream_t stream);

// How many token splits lora_grad_a uses on a device with num_sms multiprocessors (>= 1).
int lora_grad_a_splits(int64_t n, int total_r, int64_t in, int num_sms);

// dx += Σ_j D_j(g_j·A_j), the dense g_j·A_j (N, in) never materialised. Uses set.g and set.a.
template <typename TD, typename TW>
cudaError_t launch_lora_grad_x_add(TD *dx, int64_t n, int64_t in, const AdapterSet<TW> &set, Dropout d,
                                   cudaStream_t stream);

}  // namespace cuda
}  // namespace l4j
