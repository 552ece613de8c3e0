// The model's own dropout (embeddings, attention probabilities, feed-forward, residual branches) with
// the mask drawn from Philox and regenerated in backward, as the fused LoRA op does for its dropout.
#pragma once

#include <ATen/ATen.h>

#include <optional>

namespace l4j {

// Inverted dropout with probability p in (0, 1) for a CPU x: x ⊙ mask / (1 - p). One 64-bit Philox seed
// is drawn from the CPU generator gen (libtorch's default one when empty), so a seeded generator replays
// the masks; the mask is never stored: backward multiplies dy by the same regenerated mask.
at::Tensor seeded_dropout(const at::Tensor &x, double p, const std::optional<at::Generator> &gen);

// One 64-bit Philox seed from a CPU generator (libtorch's default one when gen is empty), advancing it.
uint64_t draw_dropout_seed(const std::optional<at::Generator> &gen);

// dropout(softmax(q·kᵀ + bias)) · v, the dropout as seeded_dropout's with one seed drawn from gen (so the
// same mask as the composition from the same generator state), as one node that keeps q, k, v and bias but
// not the (B, H, Tq, Tk) probabilities, which backward recomputes, nor the mask, which it redraws. q, k, v
// are (B, H, T, d) with one B and H; bias is added to the scores (broadcast, batch 1 or B), may be empty;
// no scaling of the scores (T5's attention). The result and the gradients of q, k, v are laid out
// (B, T, H, d), so that T5's merge of the heads is a view.
at::Tensor seeded_attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            const std::optional<at::Tensor> &bias, double p, const std::optional<at::Generator> &gen);

}  // namespace l4j
