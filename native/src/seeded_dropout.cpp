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

// Attention's core with dropout on the probabilities, dropout(softmax(q·kᵀ + bias)) · v, as one node that
// keeps q, k, v and the bias (tensors the model holds anyway) but neither the probabilities nor the dropped
// probabilities, (B, H, Tq, Tk) each per layer: backward recomputes the probabilities from q and k (a small
// product next to the projections) and redraws the mask. The same ATen ops as the composition, so the same
// values; the gradients are the composition's up to the rounding of the products' operand layouts.
struct SeededAttention : public torch::autograd::Function<SeededAttention> {
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            at::TensorList bias_list, double p, int64_t seed) {
    const std::optional<at::Tensor> bias = bias_list.empty() ? std::nullopt : std::optional<at::Tensor>(bias_list[0]);
    std::vector<at::Tensor> saved{q, k, v};
    if (bias) saved.push_back(*bias);
    ctx->save_for_backward(saved);
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return at::matmul(lora_dropout(probabilities(q, k, bias), p, static_cast<uint64_t>(seed), 0), v);
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0];
    const at::Tensor &k = saved[1];
    const at::Tensor &v = saved[2];
    const std::optional<at::Tensor> bias = saved.size() > 3 ? std::optional<at::Tensor>(saved[3]) : std::nullopt;
    double p = ctx->saved_data["p"].toDouble();
    uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    const at::Tensor &dy = grad_outputs[0];
    at::Tensor probs = probabilities(q, k, bias);
    // Gradients come back by argument position (the empty bias list takes none); edges exist for tensors only.
    bool bias_grad = bias && ctx->needs_input_grad(3);
    at::Tensor dq, dk, dv, dbias;
    if (ctx->needs_input_grad(2)) dv = sum_to_input(at::matmul(lora_dropout(probs, p, seed, 0).mT(), dy), v);
    if (ctx->needs_input_grad(0) || ctx->needs_input_grad(1) || bias_grad) {
      at::Tensor dprobs = lora_dropout(sum_to_input(at::matmul(dy, v.mT()), probs), p, seed, 0);
      at::Tensor dscores = at::_softmax_backward_data(dprobs, probs, -1, probs.scalar_type());
      probs.reset();  // the (B, H, Tq, Tk) tensors go before the products allocate theirs
      dprobs.reset();
      if (ctx->needs_input_grad(0)) dq = sum_to_input(at::matmul(dscores, k), q);
      if (ctx->needs_input_grad(1)) dk = sum_to_input(at::matmul(dscores.mT(), q), k);
      if (bias_grad) dbias = sum_to_input(dscores, *bias);
    }
    return {dq, dk, dv, dbias, at::Tensor(), at::Tensor()};
  }

  // softmax(q·kᵀ + bias) over the keys, as the composition computes it (no 1/sqrt(d): T5's scaling)
  static at::Tensor probabilities(const at::Tensor &q, const at::Tensor &k, const std::optional<at::Tensor> &bias) {
    at::Tensor scores = at::matmul(q, k.mT());
    if (bias) scores = at::add(scores, *bias);
    return at::softmax(scores, -1);
  }

  // matmul and the bias broadcast batch dimensions; a gradient must have its input's shape
  static at::Tensor sum_to_input(const at::Tensor &grad, const at::Tensor &input) {
    return grad.sizes() == input.sizes() ? grad : at::sum_to(grad, input.sizes());
  }
};

}  // namespace

at::Tensor seeded_attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            const std::optional<at::Tensor> &bias, double p, const std::optional<at::Generator> &gen) {
  TORCH_CHECK(p > 0.0 && p < 1.0, "seeded_attention: p must be in (0, 1)");
  TORCH_CHECK(q.device().is_cpu() && (!gen || gen->device().is_cpu()), "seeded_attention: CPU tensors and generators only");
  int64_t seed = static_cast<int64_t>(draw_seed(gen));
  std::vector<at::Tensor> bias_list;
  if (bias) bias_list.push_back(*bias);
  // As a TensorList, so that autograd gives the bias an edge (a std::vector would pass as a constant).
  return SeededAttention::apply(q, k, v, at::TensorList(bias_list), p, seed);
}

at::Tensor seeded_dropout(const at::Tensor &x, double p, const std::optional<at::Generator> &gen) {
  TORCH_CHECK(p > 0.0 && p < 1.0, "seeded_dropout: p must be in (0, 1)");
  TORCH_CHECK(x.device().is_cpu() && (!gen || gen->device().is_cpu()), "seeded_dropout: CPU tensors and generators only");
  int64_t seed = static_cast<int64_t>(draw_seed(gen));
  return SeededDropout::apply(x, p, seed);
}

}  // namespace l4j
