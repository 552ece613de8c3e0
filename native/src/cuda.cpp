// CUDA device queries through libtorch's device-agnostic hooks, so this file needs no CUDA headers:
// the same source answers on a GPU machine and reports "CUDA not available" elsewhere.
#include <c10/core/CachingDeviceAllocator.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include "shim.h"

using namespace l4j;

namespace {
c10::DeviceIndex require_cuda(int32_t device_index) {
  if (!at::hasCUDA() || at::detail::getCUDAHooks().deviceCount() == 0) {
    throw ArgumentError("CUDA not available (libtorch has no CUDA support or no device is visible)");
  }
  int32_t count = at::detail::getCUDAHooks().deviceCount();
  if (device_index < 0) device_index = at::detail::getCUDAHooks().getCurrentDevice();
  if (device_index >= count) {
    throw ArgumentError("CUDA device " + std::to_string(device_index) + " out of range (" + std::to_string(count) +
                        " visible)");
  }
  return static_cast<c10::DeviceIndex>(device_index);
}

c10::CachingDeviceAllocator::DeviceStats stats(c10::DeviceIndex index) {
  return c10::getDeviceAllocator(c10::DeviceType::CUDA)->getDeviceStats(index);
}

constexpr size_t kAggregate = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
}  // namespace

extern "C" {

int l4j_cuda_device_count(int32_t *out) {
  return guarded("cuda_device_count", [&] {
    require_out(out, "out");
    *out = at::hasCUDA() ? static_cast<int32_t>(at::detail::getCUDAHooks().deviceCount()) : 0;
  });
}

int l4j_cuda_synchronize(int32_t device_index) {
  return guarded("cuda_synchronize", [&] {
    c10::DeviceIndex index = require_cuda(device_index);
    c10::impl::VirtualGuardImpl(c10::DeviceType::CUDA).synchronizeDevice(index);
  });
}

int l4j_cuda_memory_allocated(int32_t device_index, int64_t *out) {
  return guarded("cuda_memory_allocated", [&] {
    require_out(out, "out");
    *out = stats(require_cuda(device_index)).allocated_bytes[kAggregate].current;
  });
}

int l4j_cuda_max_memory_allocated(int32_t device_index, int64_t *out) {
  return guarded("cuda_max_memory_allocated", [&] {
    require_out(out, "out");
    *out = stats(require_cuda(device_index)).allocated_bytes[kAggregate].peak;
  });
}

int l4j_cuda_reset_peak_memory(int32_t device_index) {
  return guarded("cuda_reset_peak_memory", [&] {
    // The check first: the allocator lookup would run before the argument is evaluated, and without
    // libtorch_cuda loaded (the CPU-only shim of the lora4j-native jar) it fails an internal assert
    // instead of saying "CUDA not available".
    c10::DeviceIndex index = require_cuda(device_index);
    c10::getDeviceAllocator(c10::DeviceType::CUDA)->resetPeakStats(index);
  });
}

}  // extern "C"
