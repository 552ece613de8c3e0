// See cpu_gemm.h. oneDNN is reached through the operator libtorch registers for it
// (mkldnn::_linear_pointwise, what inductor's CPU backend calls), by the dispatcher's boxed call, so a
// libtorch without it (or with another signature) falls back to ATen instead of failing to load.
#include "cpu/cpu_gemm.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/autograd.h>

#include <cstdlib>
#include <string>

namespace l4j {

namespace {

const c10::OperatorHandle *onednn_op() {
  static const c10::OperatorHandle *op = []() -> const c10::OperatorHandle * {
    if (!at::hasMKLDNN()) return nullptr;
    auto handle = c10::Dispatcher::singleton().findSchema({"mkldnn::_linear_pointwise", ""});
    return handle.has_value() ? new c10::OperatorHandle(*handle) : nullptr;  // lives for the process
  }();
  return op;
}

at::Tensor onednn_linear(const at::Tensor &x2, const at::Tensor &w, const std::optional<at::Tensor> &bias) {
  torch::jit::Stack stack;
  stack.emplace_back(x2);
  stack.emplace_back(w);
  stack.emplace_back(bias.has_value() ? c10::IValue(*bias) : c10::IValue());
  stack.emplace_back(std::string("none"));
  stack.emplace_back(c10::List<std::optional<at::Scalar>>());
  stack.emplace_back(c10::IValue());
  onednn_op()->callBoxed(&stack);
  return stack.back().toTensor();
}

bool use_onednn() {
  static const bool choice = [] {
    const char *env = std::getenv("LORA4J_CPU_GEMM");
    return env != nullptr && std::string(env) == "onednn" && onednn_op() != nullptr;
  }();
  return choice;
}

bool onednn_applies(const at::Tensor &a, const at::Tensor &w) {
  return a.device().is_cpu() && w.device().is_cpu() && a.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat &&
         a.dim() == 2 && w.dim() == 2 && a.is_contiguous() && use_onednn();
}

class FrozenLinearFunction : public torch::autograd::Function<FrozenLinearFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w,
                            at::TensorList bias_list) {
    std::optional<at::Tensor> bias = bias_list.empty() ? std::nullopt : std::optional<at::Tensor>(bias_list[0]);
    at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();
    at::Tensor y = cpu_linear(x2, w, bias);
    ctx->save_for_backward({w});
    ctx->saved_data["bias"] = !bias_list.empty();
    std::vector<int64_t> y_sizes = x.sizes().vec();
    y_sizes.back() = w.size(0);
    return y.view(y_sizes);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    at::Tensor w = ctx->get_saved_variables()[0];
    const at::Tensor &dy = grad_outputs[0];
    at::Tensor dx;
    if (ctx->needs_input_grad(0)) {
      std::vector<int64_t> x_sizes = dy.sizes().vec();
      x_sizes.back() = w.size(1);
      dx = cpu_matmul_weight(dy.reshape({-1, w.size(0)}).contiguous(), w).view(x_sizes);
    }
    return {dx, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor cpu_linear(const at::Tensor &x2, const at::Tensor &w, const std::optional<at::Tensor> &bias) {
  if (onednn_applies(x2, w) && (!bias.has_value() || bias->scalar_type() == at::kFloat)) return onednn_linear(x2, w, bias);
  return at::linear(x2, w, bias);
}

at::Tensor cpu_matmul_weight(const at::Tensor &dy, const at::Tensor &w) {
  if (onednn_applies(dy, w)) return onednn_linear(dy, w.t(), std::nullopt);
  return at::matmul(dy, w);
}

at::Tensor frozen_linear(const at::Tensor &x, const at::Tensor &w, const std::optional<at::Tensor> &bias) {
  bool frozen = !w.requires_grad() && !(bias.has_value() && bias->requires_grad());
  bool cpu_f32 = x.device().is_cpu() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat && w.dim() == 2 &&
                 x.dim() >= 1 && x.size(-1) == w.size(1);
  if (!frozen || !cpu_f32 || !use_onednn()) return at::linear(x, w, bias);
  std::vector<at::Tensor> bias_list;
  if (bias.has_value()) bias_list.push_back(*bias);
  return FrozenLinearFunction::apply(x, w, bias_list);
}

int cpu_gemm_uses_onednn() { return use_onednn() ? 1 : 0; }

}  // namespace l4j
