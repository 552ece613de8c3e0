// gelu(a) · b with GELU's tanh approximation, forward and backward in one pass each on the CPU.
#pragma once

#include <ATen/ATen.h>

namespace l4j {

// Whether the one-pass kernels take a and b: float32, one shape, each rows of its last dimension with unit
// stride and one row stride (contiguous, or narrowed from a wider tensor), and a CPU with AVX2 and FMA.
bool gelu_mul_cpu_applies(const at::Tensor &a, const at::Tensor &b);

// gelu_tanh(a) · b, as at::mul(at::gelu(a, "tanh"), b) computes it; contiguous.
at::Tensor gelu_tanh_mul_cpu(const at::Tensor &a, const at::Tensor &b);

// The gradients of gelu_tanh(a) · b for the output's gradient dy (contiguous float32, a's shape):
// *da = gelu_backward(dy · b, a, "tanh") and *db = dy · gelu_tanh(a), each only where its pointer is set;
// contiguous.
void gelu_tanh_mul_backward_cpu(const at::Tensor &a, const at::Tensor &b, const at::Tensor &dy, at::Tensor *da,
                                at::Tensor *db);

}  // namespace l4j
