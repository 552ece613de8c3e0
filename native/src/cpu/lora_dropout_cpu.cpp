// The CPU dropout loops. at::parallel_for splits the Philox blocks across threads; each thread draws
// its blocks' keep flags a chunk at a time (philox_cpu.h: AVX2, sixteen blocks per step) into a small
// buffer and applies them, so the mask depends only on (seed, offset, i) and is never stored whole.
#include "cpu/lora_dropout_cpu.h"

#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>

#include "cpu/philox_cpu.h"

namespace l4j {

namespace {

// Blocks of keep flags drawn per step: 1024 elements, 4 KiB of flags on the stack, in L1.
constexpr int64_t kChunkBlocks = 256;
// Blocks per at::parallel_for task (8192 elements).
constexpr int64_t kGrainBlocks = 2048;

// Calls apply(first, count, keep) over the n elements of a slice that starts at element first_element of
// the draw at (seed, offset), chunk by chunk: keep[k] is the flag of the slice's element first + k (all
// ones: kept), so the slice gets the flags the whole draw gives it, whatever its start's lane.
template <typename Apply>
void for_each_mask_chunk(int64_t n, float p, uint64_t seed, uint64_t offset, uint64_t first_element,
                         const Apply &apply) {
  const int64_t lead = static_cast<int64_t>(first_element % 4);  // the first block's lanes before the slice
  const uint64_t first_block = first_element / 4;
  const int64_t blocks = (lead + n + 3) / 4;
  at::parallel_for(0, blocks, kGrainBlocks, [&](int64_t begin, int64_t end) {
    uint32_t keep[4 * kChunkBlocks];
    for (int64_t j = begin; j < end; j += kChunkBlocks) {
      const int64_t count = std::min(kChunkBlocks, end - j);
      philox_keep_mask(seed, offset, first_block + static_cast<uint64_t>(j), count, p, keep);
      // These blocks' lanes are the slice's elements [4j - lead, 4(j + count) - lead).
      const int64_t lo = std::max<int64_t>(4 * j - lead, 0);
      const int64_t hi = std::min<int64_t>(4 * (j + count) - lead, n);
      apply(lo, hi - lo, keep + (lo - (4 * j - lead)));
    }
  });
}

// out = in ⊙ factor over one chunk. Pointers arrive as restrict parameters (not through a lambda's
// captures, which the stores could alias) so that the loop vectorises.
template <typename scalar_t, typename acc_t>
void apply_dropout(const scalar_t *__restrict in, scalar_t *__restrict out, const uint32_t *__restrict keep,
                   int64_t count, acc_t keep_scale) {
  for (int64_t k = 0; k < count; k++) {
    const acc_t factor = keep[k] ? keep_scale : acc_t(0);
    out[k] = static_cast<scalar_t>(static_cast<acc_t>(in[k]) * factor);
  }
}

// x = x ⊙ factor over one chunk.
template <typename scalar_t, typename acc_t>
void apply_dropout_in_place(scalar_t *__restrict x, const uint32_t *__restrict keep, int64_t count, acc_t keep_scale) {
  for (int64_t k = 0; k < count; k++) {
    const acc_t factor = keep[k] ? keep_scale : acc_t(0);
    x[k] = static_cast<scalar_t>(static_cast<acc_t>(x[k]) * factor);
  }
}

// lora_dropout_slice_pair_cpu over one chunk: out = in ⊙ factor, g = g ⊙ factor.
template <typename scalar_t, typename acc_t>
void apply_dropout_pair(const scalar_t *__restrict in, scalar_t *__restrict out, scalar_t *__restrict g,
                        const uint32_t *__restrict keep, int64_t count, acc_t keep_scale) {
  for (int64_t k = 0; k < count; k++) {
    const acc_t factor = keep[k] ? keep_scale : acc_t(0);
    out[k] = static_cast<scalar_t>(static_cast<acc_t>(in[k]) * factor);
    g[k] = static_cast<scalar_t>(static_cast<acc_t>(g[k]) * factor);
  }
}

// lora_dropout_backward_cpu over one chunk: dx += D(ga), then ga = D(x).
template <typename scalar_t, typename acc_t>
void apply_dropout_backward(const scalar_t *__restrict x, scalar_t *__restrict ga, scalar_t *__restrict dx,
                            const uint32_t *__restrict keep, int64_t count, acc_t keep_scale) {
  for (int64_t k = 0; k < count; k++) {
    const acc_t factor = keep[k] ? keep_scale : acc_t(0);
    // Rounded as the unfused ops round: D(ga) to the dtype, then dx + D(ga) in the op-math type.
    // (No FMA contraction: the library is built for baseline x86-64, which has no FMA.)
    const scalar_t dropped_ga = static_cast<scalar_t>(static_cast<acc_t>(ga[k]) * factor);
    dx[k] = static_cast<scalar_t>(static_cast<acc_t>(dx[k]) + static_cast<acc_t>(dropped_ga));
    ga[k] = static_cast<scalar_t>(static_cast<acc_t>(x[k]) * factor);
  }
}

}  // namespace

at::Tensor lora_dropout_cpu(const at::Tensor &x, double p, uint64_t seed, uint64_t offset) {
  TORCH_CHECK(x.device().is_cpu(), "lora_dropout_cpu: x must be on the CPU");
  at::Tensor src = x.contiguous();
  at::Tensor dst = at::empty_like(src);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, src.scalar_type(), "lora_dropout_cpu", [&] {
    // Multiply in the op-math type (float for half types, double for double) with 1/(1-p) rounded once.
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t keep_scale = static_cast<acc_t>(1.0 / (1.0 - p));
    const scalar_t *in = src.const_data_ptr<scalar_t>();
    scalar_t *out = dst.mutable_data_ptr<scalar_t>();
    for_each_mask_chunk(src.numel(), static_cast<float>(p), seed, offset, 0, [&](int64_t first, int64_t count, const uint32_t *keep) {
      apply_dropout(in + first, out + first, keep, count, keep_scale);
    });
  });
  return dst;
}

void lora_dropout_slice_cpu_(at::Tensor &x, double p, uint64_t seed, uint64_t offset, uint64_t first_element) {
  TORCH_CHECK(x.device().is_cpu() && x.is_contiguous(), "lora_dropout_slice_cpu_: x must be a contiguous CPU tensor");
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "lora_dropout_slice_cpu_", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t keep_scale = static_cast<acc_t>(1.0 / (1.0 - p));
    scalar_t *data = x.mutable_data_ptr<scalar_t>();
    for_each_mask_chunk(x.numel(), static_cast<float>(p), seed, offset, first_element,
                        [&](int64_t first, int64_t count, const uint32_t *keep) {
                          apply_dropout_in_place(data + first, keep, count, keep_scale);
                        });
  });
}

void lora_dropout_slice_pair_cpu(const at::Tensor &x, at::Tensor &x_dropped, at::Tensor &g, double p, uint64_t seed,
                                 uint64_t offset, uint64_t first_element) {
  const bool with_g = g.defined();
  TORCH_CHECK(x.device().is_cpu() && x_dropped.device().is_cpu() && (!with_g || g.device().is_cpu()),
              "lora_dropout_slice_pair_cpu: tensors must be on the CPU");
  TORCH_CHECK(x.is_contiguous() && x_dropped.is_contiguous() && (!with_g || g.is_contiguous()),
              "lora_dropout_slice_pair_cpu: tensors must be contiguous");
  TORCH_CHECK(x_dropped.scalar_type() == x.scalar_type() && (!with_g || g.scalar_type() == x.scalar_type()),
              "lora_dropout_slice_pair_cpu: tensors must share one dtype");
  TORCH_CHECK(x_dropped.numel() == x.numel() && (!with_g || g.numel() == x.numel()),
              "lora_dropout_slice_pair_cpu: sizes differ");
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "lora_dropout_slice_pair_cpu", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t keep_scale = static_cast<acc_t>(1.0 / (1.0 - p));
    const scalar_t *in = x.const_data_ptr<scalar_t>();
    scalar_t *out = x_dropped.mutable_data_ptr<scalar_t>();
    scalar_t *gs = with_g ? g.mutable_data_ptr<scalar_t>() : nullptr;
    for_each_mask_chunk(x.numel(), static_cast<float>(p), seed, offset, first_element,
                        [&](int64_t first, int64_t count, const uint32_t *keep) {
                          if (with_g) {
                            apply_dropout_pair(in + first, out + first, gs + first, keep, count, keep_scale);
                          } else {
                            apply_dropout(in + first, out + first, keep, count, keep_scale);
                          }
                        });
  });
}

void lora_dropout_backward_cpu(const at::Tensor &x, at::Tensor &ga, at::Tensor &dx, double p, uint64_t seed,
                               uint64_t offset) {
  TORCH_CHECK(x.device().is_cpu() && ga.device().is_cpu() && dx.device().is_cpu(),
              "lora_dropout_backward_cpu: tensors must be on the CPU");
  TORCH_CHECK(x.is_contiguous() && ga.is_contiguous() && dx.is_contiguous(),
              "lora_dropout_backward_cpu: tensors must be contiguous");
  TORCH_CHECK(ga.scalar_type() == x.scalar_type() && dx.scalar_type() == x.scalar_type(),
              "lora_dropout_backward_cpu: tensors must share one dtype");
  TORCH_CHECK(ga.numel() == x.numel() && dx.numel() == x.numel(), "lora_dropout_backward_cpu: sizes differ");
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "lora_dropout_backward_cpu", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t keep_scale = static_cast<acc_t>(1.0 / (1.0 - p));
    const scalar_t *xs = x.const_data_ptr<scalar_t>();
    scalar_t *gas = ga.mutable_data_ptr<scalar_t>();
    scalar_t *dxs = dx.mutable_data_ptr<scalar_t>();
    for_each_mask_chunk(x.numel(), static_cast<float>(p), seed, offset, 0, [&](int64_t first, int64_t count, const uint32_t *keep) {
      apply_dropout_backward(xs + first, gas + first, dxs + first, keep, count, keep_scale);
    });
  });
}

}  // namespace l4j
