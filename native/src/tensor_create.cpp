// Tensor construction: from host memory, over caller memory, constant fills, ranges, random draws.
#include "shim.h"

using namespace l4j;

namespace {
at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions().dtype(to_scalar_type(dtype)).device(to_device(device_type, device_index));
}

void check_sizes(at::IntArrayRef shape) {
  for (int64_t s : shape) {
    if (s < 0) throw ArgumentError("negative dimension in shape " + c10::str(shape));
  }
}
}  // namespace

extern "C" {

int l4j_tensor_from_data(const void *data, const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type,
                         int32_t device_index, l4j_tensor *out) {
  return guarded("tensor_from_data", [&] {
    require_out(out, "out");
    auto sizes = to_shape(shape, ndim);
    check_sizes(sizes);
    at::Tensor host = at::empty(sizes, options(dtype, L4J_DEVICE_CPU, -1));
    size_t nbytes = host.nbytes();
    if (nbytes > 0) {
      if (data == nullptr) throw ArgumentError("null data pointer for " + std::to_string(nbytes) + " bytes");
      std::memcpy(host.data_ptr(), data, nbytes);
    }
    at::Device device = to_device(device_type, device_index);
    emit(device.is_cpu() ? host : host.to(device), out);
  });
}

int l4j_tensor_from_blob(void *data, const int64_t *shape, int32_t ndim, int32_t dtype, l4j_tensor *out) {
  return guarded("tensor_from_blob", [&] {
    require_out(out, "out");
    auto sizes = to_shape(shape, ndim);
    check_sizes(sizes);
    if (data == nullptr) throw ArgumentError("null data pointer");
    emit(at::from_blob(data, sizes, options(dtype, L4J_DEVICE_CPU, -1)), out);
  });
}

int l4j_tensor_empty(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type, int32_t device_index,
                     l4j_tensor *out) {
  return guarded("tensor_empty", [&] {
    require_out(out, "out");
    emit(at::empty(to_shape(shape, ndim), options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_zeros(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type, int32_t device_index,
                     l4j_tensor *out) {
  return guarded("tensor_zeros", [&] {
    require_out(out, "out");
    emit(at::zeros(to_shape(shape, ndim), options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_ones(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type, int32_t device_index,
                    l4j_tensor *out) {
  return guarded("tensor_ones", [&] {
    require_out(out, "out");
    emit(at::ones(to_shape(shape, ndim), options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_full(const int64_t *shape, int32_t ndim, double value, int32_t dtype, int32_t device_type,
                    int32_t device_index, l4j_tensor *out) {
  return guarded("tensor_full", [&] {
    require_out(out, "out");
    emit(at::full(to_shape(shape, ndim), value, options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type, int32_t device_index,
                      l4j_tensor *out) {
  return guarded("tensor_arange", [&] {
    require_out(out, "out");
    emit(at::arange(start, end, step, options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_rand(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type, int32_t device_index,
                    l4j_generator gen, l4j_tensor *out) {
  return guarded("tensor_rand", [&] {
    require_out(out, "out");
    emit(at::rand(to_shape(shape, ndim), to_generator(gen), options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_randn(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type, int32_t device_index,
                     l4j_generator gen, l4j_tensor *out) {
  return guarded("tensor_randn", [&] {
    require_out(out, "out");
    emit(at::randn(to_shape(shape, ndim), to_generator(gen), options(dtype, device_type, device_index)), out);
  });
}

int l4j_tensor_free(l4j_tensor t) {
  return guarded("tensor_free", [&] {
    if (t == nullptr) throw ArgumentError("null tensor handle");
    delete t;
    live_tensors.fetch_sub(1, std::memory_order_relaxed);
  });
}

}  // extern "C"
