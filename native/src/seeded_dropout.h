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

// seeded_dropout(x, p, gen) · v (at::matmul) as one node that keeps x and v but not the dropped x, which
// backward redraws. Draws one seed, as seeded_dropout does, so the masks are the same.
at::Tensor seeded_dropout_matmul(const at::Tensor &x, const at::Tensor &v, double p, const std::optional<at::Generator> &gen);

}  // namespace l4j
