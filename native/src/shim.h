// Internal to liblora4j: handle structs, the error guard and argument conversions shared by the
// .cpp files that implement lora4j.h. Nothing here is part of the ABI.
#pragma once

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include "lora4j.h"

struct l4j_tensor_s {
  at::Tensor tensor;
};

struct l4j_generator_s {
  at::Generator generator;
};

struct l4j_optimizer_s {
  std::unique_ptr<torch::optim::AdamW> adamw;
  std::vector<at::Tensor> params;
};

namespace l4j {

extern std::atomic<int64_t> live_tensors;
extern std::atomic<int64_t> live_generators;
extern std::atomic<int64_t> live_optimizers;

// Records the message for l4j_last_error() on the calling thread.
void set_last_error(const std::string &message);

// Thrown for argument errors found by the shim itself (as opposed to libtorch's c10::Error).
struct ArgumentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs body; converts any exception into status 1 and a thread-local message. This is the one place
// where C++ exceptions stop: nothing escapes an extern "C" function (tch-rs's PROTECT, as a function).
template <typename Body>
int guarded(const char *op, Body &&body) noexcept {
  try {
    body();
    return 0;
  } catch (const c10::Error &e) {
    set_last_error(std::string(op) + ": " + e.what_without_backtrace());
  } catch (const std::exception &e) {
    set_last_error(std::string(op) + ": " + e.what());
  } catch (...) {
    set_last_error(std::string(op) + ": unknown C++ exception");
  }
  return 1;
}

inline const at::Tensor &get(l4j_tensor t, const char *arg) {
  if (t == nullptr) throw ArgumentError(std::string("null tensor handle for argument '") + arg + "'");
  return t->tensor;
}

inline std::optional<at::Tensor> get_optional(l4j_tensor t) {
  if (t == nullptr) return std::nullopt;
  return t->tensor;
}

template <typename T>
inline T *require_out(T *out, const char *arg) {
  if (out == nullptr) throw ArgumentError(std::string("null output pointer for argument '") + arg + "'");
  return out;
}

// Wraps a result in a new handle and writes it to out. Counted for leak tests.
inline void emit(at::Tensor result, l4j_tensor *out) {
  *out = new l4j_tensor_s{std::move(result)};
  live_tensors.fetch_add(1, std::memory_order_relaxed);
}

at::ScalarType to_scalar_type(int32_t dtype);
int32_t from_scalar_type(at::ScalarType type);
at::Device to_device(int32_t device_type, int32_t device_index);
at::IntArrayRef to_shape(const int64_t *shape, int32_t ndim);
std::vector<at::Tensor> to_tensor_list(const l4j_tensor *tensors, int64_t n);
std::optional<at::Generator> to_generator(l4j_generator gen);

// A scalar as Python would pass it: an integral value on an integral tensor stays an integer, so
// integer arithmetic does not silently promote to floating point.
inline at::Scalar scalar_for(const at::Tensor &t, double value) {
  bool integral = at::isIntegralType(t.scalar_type(), /*includeBool=*/true);
  if (integral && std::isfinite(value) && value == std::floor(value)) return at::Scalar(static_cast<int64_t>(value));
  return at::Scalar(value);
}

// One-input op: t -> f(t), written to a new handle.
template <typename F>
int unary(const char *op, l4j_tensor t, l4j_tensor *out, F f) {
  return guarded(op, [&] {
    require_out(out, "out");
    emit(f(get(t, "t")), out);
  });
}

// Two-input op: (a, b) -> f(a, b), written to a new handle.
template <typename F>
int binary(const char *op, l4j_tensor a, l4j_tensor b, l4j_tensor *out, F f) {
  return guarded(op, [&] {
    require_out(out, "out");
    emit(f(get(a, "a"), get(b, "b")), out);
  });
}

// Tensor-and-scalar op: (t, s) -> f(t, s), s converted as by scalar_for.
template <typename F>
int with_scalar(const char *op, l4j_tensor t, double value, l4j_tensor *out, F f) {
  return guarded(op, [&] {
    require_out(out, "out");
    const at::Tensor &x = get(t, "t");
    emit(f(x, scalar_for(x, value)), out);
  });
}

}  // namespace l4j
