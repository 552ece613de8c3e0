// The fused LoRA linear op (autograd Function) behind l4j_lora_linear / l4j_lora_linear_grouped.
#pragma once

#include <ATen/ATen.h>

namespace l4j {

struct LoraAdapter {
  at::Tensor a;  // (r, in)
  at::Tensor b;  // (out_j, r)
  double scale;  // alpha / r, or alpha / sqrt(r) with rsLoRA
};

// y = x·Wᵀ + bias + Σ_j [0 … | scale_j·(D_j(x)·A_jᵀ)·B_jᵀ | … 0] where adapter j's output occupies rows
// [o_j, o_j + out_j) of the packed weight (a single adapter spans all of it). D_j is inverted dropout
// drawn from Philox(seed, offset + j·numel(x)); with training false or p = 0 there is no dropout.
at::Tensor lora_linear(const at::Tensor &x, const at::Tensor &w, const at::Tensor &bias,
                       const std::vector<LoraAdapter> &adapters, double p, uint64_t seed, uint64_t offset,
                       bool training);

// y + scale·(D(x)·Aᵀ)·Bᵀ for a base output y computed elsewhere (a quantized linear); the gradient of y
// passes through, and x, A and B get the adapter's gradients. The update is added in the adapter's dtype
// and rounded once to y's, as lora_linear does.
at::Tensor lora_add(const at::Tensor &y, const at::Tensor &x, const LoraAdapter &adapter, double p, uint64_t seed,
                    uint64_t offset, bool training);

// x ⊙ mask_j / (1 - p) with the mask adapter j of a draw at (seed, offset) uses, on x's device.
at::Tensor lora_dropout(const at::Tensor &x, double p, uint64_t seed, uint64_t offset);

}  // namespace l4j
