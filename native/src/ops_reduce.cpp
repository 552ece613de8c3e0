// Reductions and normalised exponentials.
#include "shim.h"

using namespace l4j;

namespace {
at::OptionalIntArrayRef dims_or_all(const int64_t *dims, int32_t ndims) {
  if (ndims == 0) return std::nullopt;
  return to_shape(dims, ndims);
}
}  // namespace

extern "C" {

int l4j_tensor_sum(l4j_tensor t, const int64_t *dims, int32_t ndims, int32_t keepdim, l4j_tensor *out) {
  return guarded("sum", [&] {
    require_out(out, "out");
    emit(at::sum(get(t, "t"), dims_or_all(dims, ndims), keepdim != 0), out);
  });
}

int l4j_tensor_mean(l4j_tensor t, const int64_t *dims, int32_t ndims, int32_t keepdim, l4j_tensor *out) {
  return guarded("mean", [&] {
    require_out(out, "out");
    emit(at::mean(get(t, "t"), dims_or_all(dims, ndims), keepdim != 0), out);
  });
}

int l4j_tensor_max_dim(l4j_tensor t, int64_t dim, int32_t keepdim, l4j_tensor *out_values, l4j_tensor *out_indices) {
  return guarded("max", [&] {
    require_out(out_values, "out_values");
    require_out(out_indices, "out_indices");
    auto [values, indices] = at::max(get(t, "t"), dim, keepdim != 0);
    emit(values, out_values);
    emit(indices, out_indices);
  });
}

int l4j_tensor_max_all(l4j_tensor t, l4j_tensor *out) {
  return unary("max", t, out, [](const at::Tensor &x) { return at::max(x); });
}

int l4j_tensor_argmax(l4j_tensor t, int64_t dim, int32_t keepdim, l4j_tensor *out) {
  return unary("argmax", t, out, [&](const at::Tensor &x) { return at::argmax(x, dim, keepdim != 0); });
}

int l4j_tensor_topk(l4j_tensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, l4j_tensor *out_values,
                    l4j_tensor *out_indices) {
  return guarded("topk", [&] {
    require_out(out_values, "out_values");
    require_out(out_indices, "out_indices");
    auto [values, indices] = at::topk(get(t, "t"), k, dim, largest != 0, sorted != 0);
    emit(values, out_values);
    emit(indices, out_indices);
  });
}

int l4j_tensor_softmax(l4j_tensor t, int64_t dim, l4j_tensor *out) {
  return unary("softmax", t, out, [&](const at::Tensor &x) { return at::softmax(x, dim); });
}

int l4j_tensor_log_softmax(l4j_tensor t, int64_t dim, l4j_tensor *out) {
  return unary("log_softmax", t, out, [&](const at::Tensor &x) { return at::log_softmax(x, dim); });
}

}  // extern "C"
