// Matrix products and elementwise arithmetic.
#include "cpu/cpu_gemm.h"
#include "shim.h"

using namespace l4j;


extern "C" {

int l4j_tensor_matmul(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("matmul", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::matmul(x, y); });
}

int l4j_tensor_linear(l4j_tensor x, l4j_tensor w, l4j_tensor bias, l4j_tensor *out) {
  return guarded("linear", [&] {
    require_out(out, "out");
    emit(frozen_linear(get(x, "x"), get(w, "w"), get_optional(bias)), out);  // frozen CPU weights: cpu/cpu_gemm.h
  });
}

int l4j_tensor_addmm(l4j_tensor input, l4j_tensor a, l4j_tensor b, double beta, double alpha, l4j_tensor *out) {
  return guarded("addmm", [&] {
    require_out(out, "out");
    emit(at::addmm(get(input, "input"), get(a, "a"), get(b, "b"), beta, alpha), out);
  });
}

int l4j_tensor_bmm(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("bmm", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::bmm(x, y); });
}

int l4j_tensor_add(l4j_tensor a, l4j_tensor b, double alpha, l4j_tensor *out) {
  return binary("add", a, b, out, [&](const at::Tensor &x, const at::Tensor &y) { return at::add(x, y, scalar_for(y, alpha)); });
}

int l4j_tensor_sub(l4j_tensor a, l4j_tensor b, double alpha, l4j_tensor *out) {
  return binary("sub", a, b, out, [&](const at::Tensor &x, const at::Tensor &y) { return at::sub(x, y, scalar_for(y, alpha)); });
}

int l4j_tensor_mul(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("mul", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::mul(x, y); });
}

int l4j_tensor_div(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("div", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::div(x, y); });
}

int l4j_tensor_maximum(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("maximum", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::maximum(x, y); });
}

int l4j_tensor_minimum(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("minimum", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::minimum(x, y); });
}

int l4j_tensor_add_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return unary("add_scalar", t, out, [&](const at::Tensor &x) { return at::add(x, scalar_for(x, value)); });
}

int l4j_tensor_sub_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return unary("sub_scalar", t, out, [&](const at::Tensor &x) { return at::sub(x, scalar_for(x, value)); });
}

int l4j_tensor_mul_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return unary("mul_scalar", t, out, [&](const at::Tensor &x) { return at::mul(x, scalar_for(x, value)); });
}

int l4j_tensor_div_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  // True division, as Python's `/`: an integer tensor divided by an integer gives floating point.
  return unary("div_scalar", t, out, [&](const at::Tensor &x) { return at::div(x, scalar_for(x, value)); });
}

int l4j_tensor_pow_scalar(l4j_tensor t, double exponent, l4j_tensor *out) {
  return unary("pow", t, out, [&](const at::Tensor &x) { return at::pow(x, scalar_for(x, exponent)); });
}

int l4j_tensor_neg(l4j_tensor t, l4j_tensor *out) {
  return unary("neg", t, out, [](const at::Tensor &x) { return at::neg(x); });
}

int l4j_tensor_abs(l4j_tensor t, l4j_tensor *out) {
  return unary("abs", t, out, [](const at::Tensor &x) { return at::abs(x); });
}

int l4j_tensor_sqrt(l4j_tensor t, l4j_tensor *out) {
  return unary("sqrt", t, out, [](const at::Tensor &x) { return at::sqrt(x); });
}

int l4j_tensor_rsqrt(l4j_tensor t, l4j_tensor *out) {
  return unary("rsqrt", t, out, [](const at::Tensor &x) { return at::rsqrt(x); });
}

int l4j_tensor_exp(l4j_tensor t, l4j_tensor *out) {
  return unary("exp", t, out, [](const at::Tensor &x) { return at::exp(x); });
}

int l4j_tensor_log(l4j_tensor t, l4j_tensor *out) {
  return unary("log", t, out, [](const at::Tensor &x) { return at::log(x); });
}

int l4j_tensor_tanh(l4j_tensor t, l4j_tensor *out) {
  return unary("tanh", t, out, [](const at::Tensor &x) { return at::tanh(x); });
}

int l4j_tensor_sigmoid(l4j_tensor t, l4j_tensor *out) {
  return unary("sigmoid", t, out, [](const at::Tensor &x) { return at::sigmoid(x); });
}

int l4j_tensor_relu(l4j_tensor t, l4j_tensor *out) {
  return unary("relu", t, out, [](const at::Tensor &x) { return at::relu(x); });
}

int l4j_tensor_gelu(l4j_tensor t, int32_t approximate, l4j_tensor *out) {
  return unary("gelu", t, out, [&](const at::Tensor &x) {
    if (approximate != L4J_GELU_NONE && approximate != L4J_GELU_TANH) {
      throw ArgumentError("unknown gelu approximation " + std::to_string(approximate));
    }
    return at::gelu(x, approximate == L4J_GELU_TANH ? "tanh" : "none");
  });
}

int l4j_tensor_clamp(l4j_tensor t, double min, double max, l4j_tensor *out) {
  return unary("clamp", t, out, [&](const at::Tensor &x) {
    std::optional<at::Scalar> lo = std::isinf(min) && min < 0 ? std::nullopt : std::optional<at::Scalar>(scalar_for(x, min));
    std::optional<at::Scalar> hi = std::isinf(max) && max > 0 ? std::nullopt : std::optional<at::Scalar>(scalar_for(x, max));
    if (!lo && !hi) return x.clone();
    return at::clamp(x, lo, hi);
  });
}

int l4j_tensor_isfinite(l4j_tensor t, l4j_tensor *out) {
  return unary("isfinite", t, out, [](const at::Tensor &x) { return at::isfinite(x); });
}

}  // extern "C"
