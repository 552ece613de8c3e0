// Replaces x * bernoulli_mask * scale: libtorch's CPU bernoulli_ draws from mt19937 one element at a
// time and autograd keeps the float mask for backward (4 bytes per element, two multiplications each
// way). Here one pass draws and applies the mask (AVX2 Philox on the CPU), and backward redraws it.
#include "seeded_dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>

#include <mutex>

#include "lora_linear.h"

namespace l4j {

uint64_t draw_dropout_seed(const std::optional<at::Generator> &gen) {
  at::Generator g = gen ? *gen : at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(g)->random64();
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct SeededDropout : public torch::autograd::Function<SeededDropout> {
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, double p, int64_t seed) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return lora_dropout(x, p, static_cast<uint64_t>(seed), 0);
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    double p = ctx->saved_data["p"].toDouble();
    uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    // The mask depends only on (seed, element index), so dy's elements meet their forward's flags.
    return {lora_dropout(grad_outputs[0], p, seed, 0), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor seeded_dropout(const at::Tensor &x, double p, const std::optional<at::Generator> &gen) {
  TORCH_CHECK(p > 0.0 && p < 1.0, "seeded_dropout: p must be in (0, 1)");
  TORCH_CHECK(x.device().is_cpu() && (!gen || gen->device().is_cpu()), "seeded_dropout: CPU tensors and generators only");
  int64_t seed = static_cast<int64_t>(draw_dropout_seed(gen));
  return SeededDropout::apply(x, p, seed);
}

}  // namespace l4j
