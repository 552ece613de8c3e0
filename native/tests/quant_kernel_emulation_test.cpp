// The 4-bit dequantization kernel (native/src/cuda/quant_kernels.cu), compiled unchanged on the CPU under
// cuda_emulation.h and checked byte for byte against the CPU path's arithmetic (quant4.cpp: code[q] · absmax in
// float32, rounded once), for float32, bfloat16 and float16 outputs, odd and even element counts, block sizes
// 32 to 4096, more bytes than one grid covers (the grid-stride loop), and argument validation.
// Built by `cmake --build build/cmake --target lora4j_quant_kernel_emulation_test` (scripts/test.sh runs it).
#include "cuda_emulation.h"

#include "cuda/quant_kernels.cu"

#include <cstdio>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

using namespace l4j::cuda;

namespace {

int g_passed = 0, g_failed = 0;

void check(bool ok, const std::string &what) {
  (ok ? g_passed : g_failed)++;
  if (!ok) std::printf("FAIL: %s\n", what.c_str());
}

template <typename T>
T round_to(float v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(v);
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else {
    return v;
  }
}

// NormalFloat4 as bitsandbytes prints it; the kernel takes any 16 values.
const float kNf4[16] = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
                        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
                        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
                        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

template <typename T>
void test_case(int64_t n, int64_t blocksize, std::mt19937_64 &rng, const char *type) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(1e-3f, 2.0f);
  std::vector<uint8_t> packed(static_cast<size_t>((n + 1) / 2));
  for (auto &b : packed) b = static_cast<uint8_t>(byte(rng));
  std::vector<float> absmax(static_cast<size_t>((n + blocksize - 1) / blocksize));
  for (auto &a : absmax) a = scale(rng);
  std::vector<T> out(static_cast<size_t>(n) + 1), ref(static_cast<size_t>(n) + 1);
  std::memset(out.data(), 0xAB, out.size() * sizeof(T));  // the element past n must stay untouched
  std::memset(ref.data(), 0xAB, ref.size() * sizeof(T));
  for (int64_t i = 0; i < n; i++) {
    uint8_t b = packed[static_cast<size_t>(i / 2)];
    uint8_t q = (i % 2 == 0) ? static_cast<uint8_t>(b >> 4) : static_cast<uint8_t>(b & 0x0F);
    ref[static_cast<size_t>(i)] = round_to<T>(kNf4[q] * absmax[static_cast<size_t>(i / blocksize)]);
  }
  cudaError_t err = launch_dequantize_4bit<T>(packed.data(), absmax.data(), kNf4, n, blocksize, out.data(), nullptr);
  std::string tag = std::string(type) + " n=" + std::to_string(n) + " bs=" + std::to_string(blocksize);
  check(err == cudaSuccess, "launch " + tag);
  check(std::memcmp(out.data(), ref.data(), out.size() * sizeof(T)) == 0, "bytes " + tag);
}

template <typename T>
void test_type(const char *type) {
  std::mt19937_64 rng(7);
  for (int64_t bs : {32, 64, 128, 4096}) {
    for (int64_t n : {1, 2, 63, 64, 65, 1000, 4097}) test_case<T>(n, bs, rng, type);
  }
  test_case<T>(2 * 256 * 4096 + 129, 64, rng, type);  // more bytes than the 4096-block grid: the stride loop
}

void test_validation() {
  float out[4];
  uint8_t packed[2] = {0x12, 0x34};
  float absmax[1] = {1.0f};
  check(launch_dequantize_4bit<float>(packed, absmax, kNf4, 4, 0, out, nullptr) == cudaErrorInvalidValue, "blocksize 0 rejected");
  check(launch_dequantize_4bit<float>(packed, absmax, kNf4, 4, 33, out, nullptr) == cudaErrorInvalidValue, "odd blocksize rejected");
  check(launch_dequantize_4bit<float>(packed, absmax, kNf4, -1, 64, out, nullptr) == cudaErrorInvalidValue, "negative n rejected");
  check(launch_dequantize_4bit<float>(nullptr, absmax, kNf4, 4, 64, out, nullptr) == cudaErrorInvalidValue, "null input rejected");
  check(launch_dequantize_4bit<float>(packed, absmax, kNf4, 0, 64, out, nullptr) == cudaSuccess, "n = 0 is a no-op");
}

}  // namespace

int main() {
  test_validation();
  test_type<float>("float32");
  test_type<__nv_bfloat16>("bfloat16");
  test_type<__half>("float16");
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
