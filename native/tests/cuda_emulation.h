// A CPU stand-in for the little of CUDA that native/src/cuda/lora_kernels.cu uses, so its kernels run
// unchanged under g++ on machines without a GPU (native/tests/cuda_kernel_emulation_test.cpp).
//
// A launch runs the blocks one after another; a block's threads are fibers that meet at
// __syncthreads(). __shared__ becomes `static`: one array per kernel instantiation, which is exactly
// one block's shared memory because blocks never overlap. This checks indexing, tiling,
// masks and synchronisation structure (a missing __syncthreads shows up as a wrong result only by
// luck, so that part is a smoke test), not performance or memory-model subtleties.
#pragma once

#define L4J_KERNEL_EMULATION 1

#include <ucontext.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __restrict__

// ---- types --------------------------------------------------------------------------------------

enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorInvalidConfiguration = 9 };
using cudaStream_t = void *;

struct dim3 {
  unsigned int x, y, z;
  dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

struct __nv_bfloat16 {
  uint16_t bits;
};
struct __half {
  uint16_t bits;
};

inline float __bfloat162float(__nv_bfloat16 v) {
  uint32_t u = static_cast<uint32_t>(v.bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline __nv_bfloat16 __float2bfloat16_rn(float f) {  // round to nearest even (NaN not needed here)
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7FFFu + ((u >> 16) & 1u);
  return __nv_bfloat16{static_cast<uint16_t>(u >> 16)};
}
inline float __half2float(__half v) {
  const uint32_t sign = (v.bits & 0x8000u) << 16, exp = (v.bits >> 10) & 0x1Fu, mant = v.bits & 0x3FFu;
  float f;
  if (exp == 0) {  // zero or subnormal: mant · 2^-24
    f = static_cast<float>(mant) * (1.0f / 16777216.0f);
    return sign ? -f : f;
  }
  const uint32_t u = sign | (exp == 31 ? 0x7F800000u | (mant << 13) : ((exp + 112) << 23) | (mant << 13));
  std::memcpy(&f, &u, 4);
  return f;
}
inline __half __float2half_rn(float f) {  // round to nearest even
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u, biased = (x >> 23) & 0xFFu;
  uint32_t mant = x & 0x7FFFFFu;
  if (biased == 0xFF) return __half{static_cast<uint16_t>(sign | 0x7C00u | (mant ? 0x200u : 0u))};
  const int exp = static_cast<int>(biased) - 127 + 15;
  if (exp >= 31) return __half{static_cast<uint16_t>(sign | 0x7C00u)};
  int shift = 13;
  uint32_t base = static_cast<uint32_t>(exp > 0 ? exp : 0) << 10;
  if (exp <= 0) {  // subnormal half
    if (exp < -10) return __half{static_cast<uint16_t>(sign)};
    mant |= 0x800000u;
    shift = 14 - exp;
  }
  uint32_t h = base | (mant >> shift);
  const uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
  if (rem > mid || (rem == mid && (h & 1u))) h++;  // a carry into the exponent is still correct
  return __half{static_cast<uint16_t>(sign | h)};
}

using std::max;
using std::min;

// ---- execution ----------------------------------------------------------------------------------
//
// One OS thread: each CUDA thread of a block is a ucontext fiber. The scheduler runs every fiber of
// the block until it reaches __syncthreads() (or returns), then starts the next round; a round in
// which some threads returned while others wait at a barrier is a divergent __syncthreads, which
// CUDA leaves undefined, and is reported. Deterministic and fast enough for small shapes.

namespace emu {

struct Fiber {
  ucontext_t context;
  std::vector<char> stack;
  bool done = false;
};

inline ucontext_t g_scheduler;
inline Fiber *g_current = nullptr;
inline std::function<void()> g_body;
inline bool g_divergent = false;

inline void trampoline() {
  g_body();
  g_current->done = true;  // returning resumes g_scheduler through uc_link
}

}  // namespace emu

inline dim3 threadIdx, blockIdx, gridDim, blockDim;

inline void __syncthreads() { swapcontext(&emu::g_current->context, &emu::g_scheduler); }

inline cudaError_t cudaGetLastError() { return cudaSuccess; }

// kernel<<<grid, block>>>(args...) on the CPU (1-D blocks, as every kernel here uses).
template <typename... KernelArgs, typename... Args>
cudaError_t launch_kernel(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, cudaStream_t, Args... args) {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y != 1 || block.z != 1) {
    return cudaErrorInvalidConfiguration;
  }
  gridDim = grid;
  blockDim = block;
  emu::g_body = [&] { kernel(args...); };
  static std::vector<emu::Fiber> pool;  // stacks allocated once and reused by every launch
  if (pool.size() < block.x) {
    pool.resize(block.x);
    for (emu::Fiber &f : pool) f.stack.resize(64 * 1024);
  }
  std::vector<emu::Fiber> &fibers = pool;
  for (unsigned int bz = 0; bz < grid.z; bz++) {
    for (unsigned int by = 0; by < grid.y; by++) {
      for (unsigned int bx = 0; bx < grid.x; bx++) {
        blockIdx = dim3(bx, by, bz);
        for (unsigned int t = 0; t < block.x; t++) {
          emu::Fiber &f = fibers[t];
          getcontext(&f.context);
          f.context.uc_stack.ss_sp = f.stack.data();
          f.context.uc_stack.ss_size = f.stack.size();
          f.context.uc_link = &emu::g_scheduler;
          makecontext(&f.context, emu::trampoline, 0);
          f.done = false;
        }
        for (;;) {  // one round: every live thread runs to its next barrier or to its end
          for (unsigned int t = 0; t < block.x; t++) {
            if (fibers[t].done) continue;  // (only the first block.x fibers of the pool are used)
            threadIdx = dim3(t);
            emu::g_current = &fibers[t];
            swapcontext(&emu::g_scheduler, &fibers[t].context);
          }
          size_t finished = 0;
          for (unsigned int t = 0; t < block.x; t++) finished += fibers[t].done;
          if (finished == block.x) break;
          if (finished != 0) {  // some returned, some wait at __syncthreads: never resumes on a GPU
            emu::g_divergent = true;
            return cudaErrorInvalidConfiguration;
          }
        }
      }
    }
  }
  return cudaSuccess;
}
