// CPU dropout for LoRA with masks drawn from Philox(seed, offset): applied on the fly, never stored.
#pragma once

#include <ATen/ATen.h>

namespace l4j {

// x ⊙ mask / (1 - p) for contiguous x, element i's mask drawn from Philox(seed, offset, i).
at::Tensor lora_dropout_cpu(const at::Tensor &x, double p, uint64_t seed, uint64_t offset);

}  // namespace l4j
