// Read-only questions about a tensor, and copies of its values back to host memory.
#include "shim.h"

using namespace l4j;

extern "C" {

int l4j_tensor_ndim(l4j_tensor t, int32_t *out) {
  return guarded("tensor_ndim", [&] { *require_out(out, "out") = static_cast<int32_t>(get(t, "t").dim()); });
}

int l4j_tensor_shape(l4j_tensor t, int64_t *out, int32_t capacity) {
  return guarded("tensor_shape", [&] {
    const at::Tensor &x = get(t, "t");
    int64_t n = std::min<int64_t>(x.dim(), capacity);
    if (n > 0) require_out(out, "out");
    for (int64_t i = 0; i < n; i++) out[i] = x.size(i);
  });
}

int l4j_tensor_numel(l4j_tensor t, int64_t *out) {
  return guarded("tensor_numel", [&] { *require_out(out, "out") = get(t, "t").numel(); });
}

int l4j_tensor_dtype(l4j_tensor t, int32_t *out) {
  return guarded("tensor_dtype", [&] { *require_out(out, "out") = from_scalar_type(get(t, "t").scalar_type()); });
}

int l4j_tensor_device(l4j_tensor t, int32_t *out_type, int32_t *out_index) {
  return guarded("tensor_device", [&] {
    at::Device device = get(t, "t").device();
    require_out(out_type, "out_type");
    require_out(out_index, "out_index");
    if (device.is_cpu()) {
      *out_type = L4J_DEVICE_CPU;
    } else if (device.is_cuda()) {
      *out_type = L4J_DEVICE_CUDA;
    } else {
      throw ArgumentError("tensor is on a device lora4j does not expose: " + device.str());
    }
    *out_index = device.index();
  });
}

int l4j_tensor_requires_grad(l4j_tensor t, int32_t *out) {
  return guarded("tensor_requires_grad", [&] { *require_out(out, "out") = get(t, "t").requires_grad() ? 1 : 0; });
}

int l4j_tensor_is_contiguous(l4j_tensor t, int32_t *out) {
  return guarded("tensor_is_contiguous", [&] { *require_out(out, "out") = get(t, "t").is_contiguous() ? 1 : 0; });
}

int l4j_tensor_copy_to_host(l4j_tensor t, void *dst, int64_t nbytes) {
  return guarded("tensor_copy_to_host", [&] {
    at::Tensor host = get(t, "t").detach().to(at::kCPU).contiguous();
    int64_t expected = static_cast<int64_t>(host.nbytes());
    if (nbytes != expected) {
      throw ArgumentError("destination holds " + std::to_string(nbytes) + " bytes but the tensor has " +
                          std::to_string(expected));
    }
    if (expected > 0) {
      if (dst == nullptr) throw ArgumentError("null destination pointer");
      std::memcpy(dst, host.data_ptr(), static_cast<size_t>(expected));
    }
  });
}

int l4j_tensor_item_double(l4j_tensor t, double *out) {
  return guarded("tensor_item", [&] { *require_out(out, "out") = get(t, "t").item<double>(); });
}

int l4j_tensor_item_int64(l4j_tensor t, int64_t *out) {
  return guarded("tensor_item", [&] { *require_out(out, "out") = get(t, "t").item<int64_t>(); });
}

int l4j_tensor_all_finite(l4j_tensor t, int32_t *out) {
  return guarded("tensor_all_finite", [&] {
    const at::Tensor &x = get(t, "t");
    require_out(out, "out");
    *out = at::isfinite(x.detach()).all().item<bool>() ? 1 : 0;
  });
}

}  // extern "C"
