// ATen entry points of the CUDA LoRA kernels (lora_kernels.cu), for lora_linear.cpp. Only compiled
// where the kernels are built (L4J_WITH_CUDA_KERNELS); this header needs no CUDA headers itself.
//
// Every function takes tensors on one CUDA device, launches on that device's current stream, and
// throws c10::Error with cudaGetErrorString's text when a launch fails. Adapters are handled in
// groups of up to cuda::kMaxAdapters consecutive adapters of one dtype (one launch per group).
// offsets[j] is adapter j's Philox offset (offset + j·numel(x) in lora_linear).
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace l4j {

// x ⊙ mask / (1 - p), mask drawn at (seed, offset): the same values as lora_dropout_cpu, bit for bit.
at::Tensor lora_dropout_cuda(const at::Tensor &x, double p, uint64_t seed, uint64_t offset);

// h_j = D_j(x)·A_jᵀ (N, r_j) in A_j's dtype, for x (N, in) and A_j (r_j, in); x is read once per tile
// for all adapters of a group, and never converted or masked in memory.
std::vector<at::Tensor> lora_down_cuda(const at::Tensor &x, const std::vector<at::Tensor> &as, double p,
                                       uint64_t seed, const std::vector<uint64_t> &offsets);

// dA_j = g_jᵀ·D_j(x) (r_j, in) in A_j's dtype, mask regenerated, for g_j (N, r_j).
std::vector<at::Tensor> lora_grad_a_cuda(const at::Tensor &x, const std::vector<at::Tensor> &gs,
                                         const std::vector<at::Tensor> &as, double p, uint64_t seed,
                                         const std::vector<uint64_t> &offsets);

// dx += Σ_j D_j(g_j·A_j) in place, for contiguous dx (N, in); the product g_j·A_j is never stored.
void lora_grad_x_add_cuda(at::Tensor &dx, const std::vector<at::Tensor> &gs, const std::vector<at::Tensor> &as,
                          double p, uint64_t seed, const std::vector<uint64_t> &offsets);

}  // namespace l4j
