// T5 v1.1's gated feed-forward product gelu(a) · b as one autograd node that keeps only a and b for the
// backward. Composed from at::gelu and at::mul, autograd would also keep gelu(a), a third (tokens, d_ff)
// tensor per block (200 MiB across flan-t5-large's 48 blocks at 4 x 142 tokens); here the backward
// recomputes it. With the tanh approximation on float32 CPU tensors, forward and backward each run as one
// pass (cpu/gelu_mul_cpu.h); otherwise the composed ATen ops, in mul's backward's order, then gelu_backward.
#include <torch/autograd.h>

#include "cpu/gelu_mul_cpu.h"
#include "shim.h"

using namespace l4j;

namespace {

class GeluMul : public torch::autograd::Function<GeluMul> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &a, const at::Tensor &b,
                            std::string approximate) {
    ctx->save_for_backward({a, b});
    ctx->saved_data["approximate"] = approximate;
    return gelu_mul(a, b, approximate);
  }

  static at::Tensor gelu_mul(const at::Tensor &a, const at::Tensor &b, const std::string &approximate) {
    if (approximate == "tanh" && gelu_mul_cpu_applies(a, b)) return gelu_tanh_mul_cpu(a, b);
    return at::mul(at::gelu(a, approximate), b);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &a = saved[0];
    const at::Tensor &b = saved[1];
    std::string approximate = ctx->saved_data["approximate"].toStringRef();
    const at::Tensor &dy = grad_outputs[0];
    at::Tensor da, db;
    if (approximate == "tanh" && gelu_mul_cpu_applies(a, b) && dy.scalar_type() == at::kFloat && dy.sizes() == a.sizes()) {
      gelu_tanh_mul_backward_cpu(a, b, dy.contiguous(), ctx->needs_input_grad(0) ? &da : nullptr,
                                 ctx->needs_input_grad(1) ? &db : nullptr);
      return {da, db, at::Tensor()};
    }
    if (ctx->needs_input_grad(0)) da = at::gelu_backward(at::mul(dy, b), a, approximate);
    if (ctx->needs_input_grad(1)) db = at::mul(dy, at::gelu(a, approximate));
    return {reduce_to(da, a), reduce_to(db, b), at::Tensor()};
  }

 private:
  // mul broadcasts; a gradient must have its input's shape (as autograd's sum_to does for at::mul)
  static at::Tensor reduce_to(const at::Tensor &grad, const at::Tensor &input) {
    if (!grad.defined() || grad.sizes() == input.sizes()) return grad;
    return at::sum_to(grad, input.sizes());
  }
};

}  // namespace

extern "C" {

int l4j_tensor_gelu_mul(l4j_tensor a, l4j_tensor b, int32_t approximate, l4j_tensor *out) {
  return binary("gelu_mul", a, b, out, [&](const at::Tensor &x, const at::Tensor &y) {
    if (approximate != L4J_GELU_NONE && approximate != L4J_GELU_TANH) {
      throw ArgumentError("unknown gelu approximation " + std::to_string(approximate));
    }
    std::string mode = approximate == L4J_GELU_TANH ? "tanh" : "none";
    if (!at::GradMode::is_enabled() || !(x.requires_grad() || y.requires_grad())) return GeluMul::gelu_mul(x, y, mode);
    return GeluMul::apply(x, y, mode);
  });
}

}  // extern "C"
