// Comparisons, logical ops and masking: the pieces attention masks and position buckets are built from.
#include "shim.h"

using namespace l4j;


extern "C" {

int l4j_tensor_eq(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("eq", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::eq(x, y); });
}
int l4j_tensor_ne(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("ne", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::ne(x, y); });
}
int l4j_tensor_lt(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("lt", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::lt(x, y); });
}
int l4j_tensor_le(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("le", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::le(x, y); });
}
int l4j_tensor_gt(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("gt", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::gt(x, y); });
}
int l4j_tensor_ge(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("ge", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::ge(x, y); });
}

int l4j_tensor_eq_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return with_scalar("eq_scalar", t, value, out, [](const at::Tensor &x, const at::Scalar &s) { return at::eq(x, s); });
}
int l4j_tensor_ne_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return with_scalar("ne_scalar", t, value, out, [](const at::Tensor &x, const at::Scalar &s) { return at::ne(x, s); });
}
int l4j_tensor_lt_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return with_scalar("lt_scalar", t, value, out, [](const at::Tensor &x, const at::Scalar &s) { return at::lt(x, s); });
}
int l4j_tensor_le_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return with_scalar("le_scalar", t, value, out, [](const at::Tensor &x, const at::Scalar &s) { return at::le(x, s); });
}
int l4j_tensor_gt_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return with_scalar("gt_scalar", t, value, out, [](const at::Tensor &x, const at::Scalar &s) { return at::gt(x, s); });
}
int l4j_tensor_ge_scalar(l4j_tensor t, double value, l4j_tensor *out) {
  return with_scalar("ge_scalar", t, value, out, [](const at::Tensor &x, const at::Scalar &s) { return at::ge(x, s); });
}

int l4j_tensor_logical_and(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("logical_and", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::logical_and(x, y); });
}
int l4j_tensor_logical_or(l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return binary("logical_or", a, b, out, [](const at::Tensor &x, const at::Tensor &y) { return at::logical_or(x, y); });
}
int l4j_tensor_logical_not(l4j_tensor t, l4j_tensor *out) {
  return guarded("logical_not", [&] { emit(at::logical_not(get(t, "t")), require_out(out, "out")); });
}

int l4j_tensor_masked_fill(l4j_tensor t, l4j_tensor mask, double value, l4j_tensor *out) {
  return guarded("masked_fill", [&] {
    require_out(out, "out");
    const at::Tensor &x = get(t, "t");
    emit(at::masked_fill(x, get(mask, "mask"), scalar_for(x, value)), out);
  });
}

int l4j_tensor_where(l4j_tensor condition, l4j_tensor a, l4j_tensor b, l4j_tensor *out) {
  return guarded("where", [&] {
    require_out(out, "out");
    emit(at::where(get(condition, "condition"), get(a, "a"), get(b, "b")), out);
  });
}

int l4j_tensor_triu(l4j_tensor t, int64_t diagonal, l4j_tensor *out) {
  return guarded("triu", [&] { emit(at::triu(get(t, "t"), diagonal), require_out(out, "out")); });
}

int l4j_tensor_tril(l4j_tensor t, int64_t diagonal, l4j_tensor *out) {
  return guarded("tril", [&] { emit(at::tril(get(t, "t"), diagonal), require_out(out, "out")); });
}

}  // extern "C"
