// Replaces x * bernoulli_mask * scale: libtorch's CPU bernoulli_ draws from mt19937 one element at a
// time and autograd keeps the float mask for backward (4 bytes per element, two multiplications each
// way). Here one pass draws and applies the mask (AVX2 Philox on the CPU), and backward redraws it.
#include "seeded_dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>

#include <mutex>

#include "lora_linear.h"

namespace l4j {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// One 64-bit seed from a CPU generator (libtorch's default one when gen is empty), advancing it.
uint64_t draw_seed(const std::optional<at::Generator> &gen) {
  at::Generator g = gen ? *gen : at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(g)->random64();
}

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

// dropout(x) · v with the dropped x never kept: autograd would keep it for v's gradient, a second
// (B, H, Tq, Tk) tensor beside the softmax output x that attention already keeps. Backward redraws it.
// The same ATen products as the composition, so the same gradients.
struct SeededDropoutMatmul : public torch::autograd::Function<SeededDropoutMatmul> {
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &v, double p, int64_t seed) {
    ctx->save_for_backward({x, v});
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return at::matmul(lora_dropout(x, p, static_cast<uint64_t>(seed), 0), v);
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0];
    const at::Tensor &v = saved[1];
    double p = ctx->saved_data["p"].toDouble();
    uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    const at::Tensor &dy = grad_outputs[0];
    at::Tensor dx, dv;
    if (ctx->needs_input_grad(1)) dv = sum_to_input(at::matmul(lora_dropout(x, p, seed, 0).mT(), dy), v);
    if (ctx->needs_input_grad(0)) dx = lora_dropout(sum_to_input(at::matmul(dy, v.mT()), x), p, seed, 0);
    return {dx, dv, at::Tensor(), at::Tensor()};
  }

  // matmul broadcasts batch dimensions; a gradient must have its input's shape
  static at::Tensor sum_to_input(const at::Tensor &grad, const at::Tensor &input) {
    return grad.sizes() == input.sizes() ? grad : at::sum_to(grad, input.sizes());
  }
};

}  // namespace

at::Tensor seeded_dropout_matmul(const at::Tensor &x, const at::Tensor &v, double p, const std::optional<at::Generator> &gen) {
  TORCH_CHECK(p > 0.0 && p < 1.0, "seeded_dropout_matmul: p must be in (0, 1)");
  TORCH_CHECK(x.device().is_cpu() && (!gen || gen->device().is_cpu()), "seeded_dropout_matmul: CPU tensors and generators only");
  int64_t seed = static_cast<int64_t>(draw_seed(gen));
  return SeededDropoutMatmul::apply(x, v, p, seed);
}

at::Tensor seeded_dropout(const at::Tensor &x, double p, const std::optional<at::Generator> &gen) {
  TORCH_CHECK(p > 0.0 && p < 1.0, "seeded_dropout: p must be in (0, 1)");
  TORCH_CHECK(x.device().is_cpu() && (!gen || gen->device().is_cpu()), "seeded_dropout: CPU tensors and generators only");
  int64_t seed = static_cast<int64_t>(draw_seed(gen));
  return SeededDropout::apply(x, p, seed);
}

}  // namespace l4j
