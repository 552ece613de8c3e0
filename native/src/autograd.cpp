// Autograd: leaves, backward, gradients, grad mode.
#include <ATen/core/grad_mode.h>

#include "shim.h"

using namespace l4j;

extern "C" {

int l4j_tensor_set_requires_grad(l4j_tensor t, int32_t requires_grad) {
  return guarded("set_requires_grad", [&] {
    at::Tensor x = get(t, "t");
    x.set_requires_grad(requires_grad != 0);
  });
}

int l4j_tensor_backward(l4j_tensor t, l4j_tensor grad, int32_t retain_graph) {
  return guarded("backward", [&] {
    const at::Tensor &x = get(t, "t");
    std::optional<at::Tensor> g = get_optional(grad);
    x.backward(g.value_or(at::Tensor()), retain_graph != 0 ? std::optional<bool>(true) : std::nullopt, false);
  });
}

int l4j_tensor_grad(l4j_tensor t, l4j_tensor *out) {
  return guarded("grad", [&] {
    require_out(out, "out");
    const at::Tensor &g = get(t, "t").grad();
    if (g.defined()) {
      emit(g, out);
    } else {
      *out = nullptr;
    }
  });
}

int l4j_tensor_zero_grad(l4j_tensor t) {
  return guarded("zero_grad", [&] {
    at::Tensor x = get(t, "t");
    x.mutable_grad().reset();
  });
}

int l4j_set_grad_enabled(int32_t enabled, int32_t *previous) {
  return guarded("set_grad_enabled", [&] {
    if (previous != nullptr) *previous = at::GradMode::is_enabled() ? 1 : 0;
    at::GradMode::set_enabled(enabled != 0);
  });
}

int l4j_is_grad_enabled(int32_t *out) {
  return guarded("is_grad_enabled", [&] { *require_out(out, "out") = at::GradMode::is_enabled() ? 1 : 0; });
}

}  // extern "C"
