// Library-wide state: ABI version, errors, live-handle counters, threads, seeds, conversions.
#include <ATen/Parallel.h>
#include <torch/version.h>

#include "cpu/cpu_gemm.h"
#include "shim.h"

namespace l4j {

std::atomic<int64_t> live_tensors{0};
std::atomic<int64_t> live_generators{0};
std::atomic<int64_t> live_optimizers{0};

namespace {
thread_local std::string last_error;
}

void set_last_error(const std::string &message) { last_error = message; }

at::ScalarType to_scalar_type(int32_t dtype) {
  switch (dtype) {
    case L4J_DTYPE_FLOAT32: return at::kFloat;
    case L4J_DTYPE_FLOAT64: return at::kDouble;
    case L4J_DTYPE_FLOAT16: return at::kHalf;
    case L4J_DTYPE_BFLOAT16: return at::kBFloat16;
    case L4J_DTYPE_INT64: return at::kLong;
    case L4J_DTYPE_INT32: return at::kInt;
    case L4J_DTYPE_INT16: return at::kShort;
    case L4J_DTYPE_INT8: return at::kChar;
    case L4J_DTYPE_UINT8: return at::kByte;
    case L4J_DTYPE_BOOL: return at::kBool;
    default: throw ArgumentError("unknown dtype code " + std::to_string(dtype));
  }
}

int32_t from_scalar_type(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return L4J_DTYPE_FLOAT32;
    case at::kDouble: return L4J_DTYPE_FLOAT64;
    case at::kHalf: return L4J_DTYPE_FLOAT16;
    case at::kBFloat16: return L4J_DTYPE_BFLOAT16;
    case at::kLong: return L4J_DTYPE_INT64;
    case at::kInt: return L4J_DTYPE_INT32;
    case at::kShort: return L4J_DTYPE_INT16;
    case at::kChar: return L4J_DTYPE_INT8;
    case at::kByte: return L4J_DTYPE_UINT8;
    case at::kBool: return L4J_DTYPE_BOOL;
    default: throw ArgumentError(std::string("tensor has a dtype lora4j does not expose: ") + c10::toString(type));
  }
}

at::Device to_device(int32_t device_type, int32_t device_index) {
  if (device_index < -1 || device_index > 127) throw ArgumentError("device index out of range: " + std::to_string(device_index));
  switch (device_type) {
    case L4J_DEVICE_CPU: return at::Device(at::kCPU);
    case L4J_DEVICE_CUDA: return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device_index));
    default: throw ArgumentError("unknown device type " + std::to_string(device_type));
  }
}

at::IntArrayRef to_shape(const int64_t *shape, int32_t ndim) {
  if (ndim < 0 || ndim > 64) throw ArgumentError("ndim out of range: " + std::to_string(ndim));
  if (ndim > 0 && shape == nullptr) throw ArgumentError("null shape pointer with ndim " + std::to_string(ndim));
  return at::IntArrayRef(shape, static_cast<size_t>(ndim));
}

std::vector<at::Tensor> to_tensor_list(const l4j_tensor *tensors, int64_t n) {
  if (n < 0) throw ArgumentError("negative tensor count");
  if (n > 0 && tensors == nullptr) throw ArgumentError("null tensor list");
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) {
    if (tensors[i] == nullptr) throw ArgumentError("null tensor handle at list index " + std::to_string(i));
    list.push_back(tensors[i]->tensor);
  }
  return list;
}

std::optional<at::Generator> to_generator(l4j_generator gen) {
  if (gen == nullptr) return std::nullopt;
  return gen->generator;
}

}  // namespace l4j

using namespace l4j;

extern "C" {

int32_t l4j_abi_version(void) { return L4J_ABI_VERSION; }

const char *l4j_last_error(void) { return last_error.c_str(); }

const char *l4j_torch_version(void) { return TORCH_VERSION; }

int64_t l4j_live_tensors(void) { return live_tensors.load(); }
int64_t l4j_live_generators(void) { return live_generators.load(); }
int64_t l4j_live_optimizers(void) { return live_optimizers.load(); }

int l4j_set_num_threads(int32_t n) {
  return guarded("set_num_threads", [&] {
    if (n < 1) throw ArgumentError("thread count must be positive, got " + std::to_string(n));
    at::set_num_threads(n);
  });
}

int l4j_get_num_threads(int32_t *out) {
  return guarded("get_num_threads", [&] { *require_out(out, "out") = at::get_num_threads(); });
}

int l4j_cpu_gemm_onednn(int32_t *out) {
  return guarded("cpu_gemm_onednn", [&] { *require_out(out, "out") = l4j::cpu_gemm_uses_onednn(); });
}

int l4j_cpu_gemm_select(int32_t library) {
  return guarded("cpu_gemm_select", [&] { l4j::cpu_gemm_select(library); });
}

int l4j_manual_seed(uint64_t seed) {
  return guarded("manual_seed", [&] { at::manual_seed(seed); });
}

int l4j_generator_new(uint64_t seed, int32_t device_type, int32_t device_index, l4j_generator *out) {
  return guarded("generator_new", [&] {
    require_out(out, "out");
    at::Device device = to_device(device_type, device_index);
    // A clone of the device's default generator: the same engine (CPU mt19937 or CUDA Philox) with its
    // own state, made without CUDA headers.
    at::Generator base = device.is_cpu() ? at::detail::getDefaultCPUGenerator()
                                         : at::globalContext().defaultGenerator(device);
    at::Generator gen = base.clone();
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
    *out = new l4j_generator_s{std::move(gen)};
    live_generators.fetch_add(1);
  });
}

int l4j_generator_set_seed(l4j_generator gen, uint64_t seed) {
  return guarded("generator_set_seed", [&] {
    if (gen == nullptr) throw ArgumentError("null generator handle");
    std::lock_guard<std::mutex> lock(gen->generator.mutex());
    gen->generator.set_current_seed(seed);
  });
}

int l4j_generator_free(l4j_generator gen) {
  return guarded("generator_free", [&] {
    if (gen == nullptr) throw ArgumentError("null generator handle");
    delete gen;
    live_generators.fetch_sub(1);
  });
}

}  // extern "C"
