// Vectorisable loop over Philox blocks: each block of four elements costs one Philox evaluation, and
// at::parallel_for splits the blocks across threads, so the mask depends only on (seed, offset, i).
#include "cpu/lora_dropout_cpu.h"

#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include "philox.h"

namespace l4j {

at::Tensor lora_dropout_cpu(const at::Tensor &x, double p, uint64_t seed, uint64_t offset) {
  TORCH_CHECK(x.device().is_cpu(), "lora_dropout_cpu: x must be on the CPU");
  at::Tensor src = x.contiguous();
  at::Tensor dst = at::empty_like(src);
  const int64_t n = src.numel();
  const float pf = static_cast<float>(p);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, src.scalar_type(), "lora_dropout_cpu", [&] {
    // Multiply in the op-math type (float for half types, double for double) with 1/(1-p) rounded once.
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t keep_scale = static_cast<acc_t>(1.0 / (1.0 - p));
    const scalar_t *in = src.const_data_ptr<scalar_t>();
    scalar_t *out = dst.mutable_data_ptr<scalar_t>();
    const int64_t blocks = (n + 3) / 4;
    at::parallel_for(0, blocks, 2048, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; j++) {
        Philox4 r = philox_block(seed, offset, static_cast<uint64_t>(j));
        for (int lane = 0; lane < 4; lane++) {
          int64_t i = j * 4 + lane;
          if (i >= n) break;
          acc_t factor = philox_uniform(r.v[lane]) < pf ? acc_t(0) : keep_scale;
          out[i] = static_cast<scalar_t>(static_cast<acc_t>(in[i]) * factor);
        }
      }
    });
  });
  return dst;
}

}  // namespace l4j
