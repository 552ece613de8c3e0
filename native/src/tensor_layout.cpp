// Conversions, views and re-arrangements: to/contiguous/clone/detach, view/reshape/permute/...,
// cat/stack, indexing, and the in-place updates used for loading and initialising weights.
#include "shim.h"

using namespace l4j;

extern "C" {

int l4j_tensor_to(l4j_tensor t, int32_t dtype, int32_t device_type, int32_t device_index, l4j_tensor *out) {
  return guarded("tensor_to", [&] {
    require_out(out, "out");
    emit(get(t, "t").to(to_device(device_type, device_index), to_scalar_type(dtype)), out);
  });
}

int l4j_tensor_contiguous(l4j_tensor t, l4j_tensor *out) {
  return guarded("contiguous", [&] { emit(get(t, "t").contiguous(), require_out(out, "out")); });
}

int l4j_tensor_clone(l4j_tensor t, l4j_tensor *out) {
  return guarded("clone", [&] { emit(get(t, "t").clone(), require_out(out, "out")); });
}

int l4j_tensor_detach(l4j_tensor t, l4j_tensor *out) {
  return guarded("detach", [&] { emit(get(t, "t").detach(), require_out(out, "out")); });
}

int l4j_tensor_view(l4j_tensor t, const int64_t *shape, int32_t ndim, l4j_tensor *out) {
  return guarded("view", [&] { emit(get(t, "t").view(to_shape(shape, ndim)), require_out(out, "out")); });
}

int l4j_tensor_reshape(l4j_tensor t, const int64_t *shape, int32_t ndim, l4j_tensor *out) {
  return guarded("reshape", [&] { emit(get(t, "t").reshape(to_shape(shape, ndim)), require_out(out, "out")); });
}

int l4j_tensor_permute(l4j_tensor t, const int64_t *dims, int32_t ndim, l4j_tensor *out) {
  return guarded("permute", [&] { emit(get(t, "t").permute(to_shape(dims, ndim)), require_out(out, "out")); });
}

int l4j_tensor_transpose(l4j_tensor t, int64_t dim0, int64_t dim1, l4j_tensor *out) {
  return guarded("transpose", [&] { emit(get(t, "t").transpose(dim0, dim1), require_out(out, "out")); });
}

int l4j_tensor_slice(l4j_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, l4j_tensor *out) {
  return guarded("slice", [&] { emit(get(t, "t").slice(dim, start, end, step), require_out(out, "out")); });
}

int l4j_tensor_narrow(l4j_tensor t, int64_t dim, int64_t start, int64_t length, l4j_tensor *out) {
  return guarded("narrow", [&] { emit(get(t, "t").narrow(dim, start, length), require_out(out, "out")); });
}

int l4j_tensor_unsqueeze(l4j_tensor t, int64_t dim, l4j_tensor *out) {
  return guarded("unsqueeze", [&] { emit(get(t, "t").unsqueeze(dim), require_out(out, "out")); });
}

int l4j_tensor_squeeze(l4j_tensor t, int64_t dim, l4j_tensor *out) {
  return guarded("squeeze", [&] { emit(get(t, "t").squeeze(dim), require_out(out, "out")); });
}

int l4j_tensor_expand(l4j_tensor t, const int64_t *shape, int32_t ndim, l4j_tensor *out) {
  return guarded("expand", [&] { emit(get(t, "t").expand(to_shape(shape, ndim)), require_out(out, "out")); });
}

int l4j_tensor_cat(const l4j_tensor *tensors, int64_t n, int64_t dim, l4j_tensor *out) {
  return guarded("cat", [&] {
    require_out(out, "out");
    emit(at::cat(to_tensor_list(tensors, n), dim), out);
  });
}

int l4j_tensor_stack(const l4j_tensor *tensors, int64_t n, int64_t dim, l4j_tensor *out) {
  return guarded("stack", [&] {
    require_out(out, "out");
    emit(at::stack(to_tensor_list(tensors, n), dim), out);
  });
}

int l4j_tensor_index_select(l4j_tensor t, int64_t dim, l4j_tensor index, l4j_tensor *out) {
  return guarded("index_select", [&] {
    emit(at::index_select(get(t, "t"), dim, get(index, "index")), require_out(out, "out"));
  });
}

int l4j_tensor_gather(l4j_tensor t, int64_t dim, l4j_tensor index, l4j_tensor *out) {
  return guarded("gather", [&] { emit(at::gather(get(t, "t"), dim, get(index, "index")), require_out(out, "out")); });
}

int l4j_tensor_repeat_interleave(l4j_tensor t, int64_t repeats, int64_t dim, l4j_tensor *out) {
  return guarded("repeat_interleave", [&] {
    emit(get(t, "t").repeat_interleave(repeats, dim), require_out(out, "out"));
  });
}

int l4j_tensor_copy_(l4j_tensor dst, l4j_tensor src) {
  return guarded("copy_", [&] {
    at::Tensor d = get(dst, "dst");
    d.copy_(get(src, "src"));
  });
}

int l4j_tensor_add_(l4j_tensor dst, l4j_tensor src, double alpha) {
  return guarded("add_", [&] {
    at::Tensor d = get(dst, "dst");
    d.add_(get(src, "src"), alpha);
  });
}

int l4j_tensor_mul_scalar_(l4j_tensor t, double value) {
  return guarded("mul_", [&] {
    at::Tensor x = get(t, "t");
    x.mul_(scalar_for(x, value));
  });
}

int l4j_tensor_fill_(l4j_tensor t, double value) {
  return guarded("fill_", [&] {
    at::Tensor x = get(t, "t");
    x.fill_(scalar_for(x, value));
  });
}

int l4j_tensor_uniform_(l4j_tensor t, double low, double high, l4j_generator gen) {
  return guarded("uniform_", [&] {
    at::Tensor x = get(t, "t");
    x.uniform_(low, high, to_generator(gen));
  });
}

int l4j_tensor_normal_(l4j_tensor t, double mean, double std, l4j_generator gen) {
  return guarded("normal_", [&] {
    at::Tensor x = get(t, "t");
    x.normal_(mean, std, to_generator(gen));
  });
}

}  // extern "C"
