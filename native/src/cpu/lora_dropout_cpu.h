// CPU dropout for LoRA with masks drawn from Philox(seed, offset): applied on the fly, never stored.
#pragma once

#include <ATen/ATen.h>

namespace l4j {

// x ⊙ mask / (1 - p) for contiguous x, element i's mask drawn from Philox(seed, offset, i).
at::Tensor lora_dropout_cpu(const at::Tensor &x, double p, uint64_t seed, uint64_t offset);

// lora_dropout_cpu in place on a slice: contiguous x holds elements [first_element, first_element + numel)
// of a draw at (seed, offset), and gets the flags the whole draw gives them (so a loop over slices of a
// tensor drops what one call on the tensor would).
void lora_dropout_slice_cpu_(at::Tensor &x, double p, uint64_t seed, uint64_t offset, uint64_t first_element);

// Both uses of one slice's mask in attention's backward, in a single pass that draws it once:
//   x_dropped = D(x)   (the dropped probabilities that dv = D(P)ᵀ·dy needs; x itself stays as it is)
//   g         = D(g)   in place (the gradient of D(P)), skipped when g is undefined
// x, x_dropped and g: contiguous CPU tensors of one dtype and size; the slice as in lora_dropout_slice_cpu_.
void lora_dropout_slice_pair_cpu(const at::Tensor &x, at::Tensor &x_dropped, at::Tensor &g, double p, uint64_t seed,
                                 uint64_t offset, uint64_t first_element);

// Both uses of one draw of the mask in LoRA's backward, in a single pass that draws it once:
//   dx += D(ga)   (D's backward on g·A, added as dx.add_(D(ga)) would)
//   ga  = D(x)    (ga's storage reused for the dropped x that dA = gᵀ·D(x) needs)
// x, ga and dx: CPU, contiguous, one dtype, the same number of elements; D is lora_dropout_cpu's.
void lora_dropout_backward_cpu(const at::Tensor &x, at::Tensor &ga, at::Tensor &dx, double p, uint64_t seed,
                               uint64_t offset);

}  // namespace l4j
