// The LoRA CUDA kernels (native/src/cuda/lora_kernels.cu, included unchanged) run on the CPU under
// native/tests/cuda_emulation.h and are checked against plain loops built on philox.h. This needs no
// GPU and no libtorch, so CI checks the kernels' tiling, indexing and masks on every change; the real
// GPU check is native/tests/cuda_lora_test.cpp (scripts/gpu-check.sh).
//
// Covered: every launcher and dtype pair; masks bit for bit; widths that are not multiples of 4 (two
// Philox blocks per group of four); adapters straddling rank tiles; ranks 1 and 256; split-K; several
// launches' worth of configurations; argument validation. Also the CPU op's batched mask generator
// (cpu/philox_cpu.h, scalar and AVX2 paths) against the same philox.h, so that CPU and CUDA masks stay
// equal. Prints "N passed, N failed".
#include "cuda_emulation.h"

#include "cuda/lora_kernels.cu"
#include "cpu/philox_cpu.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <type_traits>

using namespace l4j;
using namespace l4j::cuda;

namespace {

int g_passed = 0, g_failed = 0;

void check(bool ok, const std::string &what) {
  (ok ? g_passed : g_failed)++;
  if (!ok) std::printf("FAIL: %s\n", what.c_str());
}

std::mt19937_64 g_rng(12345);

// ---- element types on the host ----------------------------------------------------------------------

template <typename T>
double to_d(T v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else {
    return static_cast<double>(v);
  }
}

template <typename T, typename A>
T from_a(A v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

template <typename T>
const char *name_of() {
  if constexpr (std::is_same_v<T, float>) return "f32";
  if constexpr (std::is_same_v<T, double>) return "f64";
  if constexpr (std::is_same_v<T, __nv_bfloat16>) return "bf16";
  return "f16";
}

template <typename T>
std::vector<T> random_vec(size_t n, double lo = -1.0, double hi = 1.0) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(n);
  for (T &e : v) e = from_a<T>(u(g_rng));
  return v;
}

// The CPU loop's factor (cpu/lora_dropout_cpu.cpp), in accumulation type A.
template <typename A>
A ref_factor(uint64_t seed, uint64_t offset, uint64_t i, double p) {
  const Philox4 r = philox_block(seed, offset, i >> 2);
  return philox_uniform(r.v[i & 3]) < static_cast<float>(p) ? A(0) : static_cast<A>(1.0 / (1.0 - p));
}

// D(x) element as the composite computes it: (x · factor) in A, rounded to the adapter dtype TW.
template <typename TW, typename A, typename TX>
double ref_masked(TX x, uint64_t seed, uint64_t offset, uint64_t i, double p) {
  A v = static_cast<A>(to_d(x));
  if (p > 0) v = v * ref_factor<A>(seed, offset, i, p);
  return to_d(from_a<TW>(v));
}

double max_rel_err(const std::vector<double> &got, const std::vector<double> &ref) {
  double m = 0, e = 0;
  for (size_t i = 0; i < ref.size(); i++) {
    m = std::max(m, std::fabs(ref[i]));
    e = std::max(e, std::fabs(got[i] - ref[i]));
  }
  return m > 0 ? e / m : e;
}

template <typename TW>
double tolerance() {
  if constexpr (std::is_same_v<TW, double>) return 1e-12;
  if constexpr (std::is_same_v<TW, float>) return 2e-6;
  if constexpr (std::is_same_v<TW, __nv_bfloat16>) return 1e-2;
  return 2e-3;
}

// ---- (a) dropout ------------------------------------------------------------------------------------

template <typename T>
void test_dropout() {
  using A = acc_t<T>;
  for (int64_t n : {1, 3, 5, 1023, 4099}) {
    for (auto [seed, offset] : {std::pair<uint64_t, uint64_t>{0, 0}, {42, 7}, {0xDEADBEEFCAFEull, (1ull << 33) + 5}}) {
      for (double p : {0.0, 0.1, 0.5}) {
        std::vector<T> x = random_vec<T>(n, 0.5, 2.0), out(n);
        Dropout d{seed, static_cast<float>(p), 1.0 / (1.0 - p)};
        cudaError_t err = launch_lora_dropout<T>(x.data(), out.data(), n, d, offset, nullptr);
        std::vector<T> ref(n);
        for (int64_t i = 0; i < n; i++) {
          ref[i] = from_a<T>(static_cast<A>(to_d(x[i])) * ref_factor<A>(seed, offset, i, p));
        }
        check(err == cudaSuccess && std::memcmp(out.data(), ref.data(), n * sizeof(T)) == 0,
              std::string("dropout ") + name_of<T>() + " n=" + std::to_string(n) + " p=" + std::to_string(p) +
                  " seed=" + std::to_string(seed));
      }
    }
  }
}

// ---- (b), (c), (c') -----------------------------------------------------------------------------------

struct Shape {
  int64_t n, in;
  std::vector<int> ranks;
};

template <typename TW>
AdapterSet<TW> make_set(const std::vector<int> &ranks, uint64_t offset, int64_t numel) {
  AdapterSet<TW> set{};
  set.count = static_cast<int>(ranks.size());
  for (int j = 0; j < set.count; j++) {
    set.r[j] = ranks[j];
    set.start[j] = set.total_r;
    set.total_r += ranks[j];
    set.offset[j] = offset + static_cast<uint64_t>(j) * static_cast<uint64_t>(numel);
  }
  return set;
}

template <typename TX, typename TW>
void test_kernels(const Shape &s, double p, uint64_t seed, uint64_t offset) {
  using A = acc_t<TW>;
  const int64_t n = s.n, in = s.in;
  const int count = static_cast<int>(s.ranks.size());
  const std::string tag = std::string(name_of<TX>()) + "/" + name_of<TW>() + " n=" + std::to_string(n) +
                          " in=" + std::to_string(in) + " adapters=" + std::to_string(count) + " p=" + std::to_string(p);
  const Dropout d{seed, static_cast<float>(p), 1.0 / (1.0 - p)};
  std::vector<TX> x = random_vec<TX>(n * in);
  std::vector<std::vector<TW>> as, gs, hs, das;
  for (int r : s.ranks) {
    as.push_back(random_vec<TW>(static_cast<size_t>(r) * in));
    gs.push_back(random_vec<TW>(static_cast<size_t>(n) * r));
    hs.emplace_back(static_cast<size_t>(n) * r);
    das.emplace_back(static_cast<size_t>(r) * in);
  }
  AdapterSet<TW> set = make_set<TW>(s.ranks, offset, n * in);
  // masked x per adapter, as the composite has it: m[j][row * in + k]
  std::vector<std::vector<double>> masked(count, std::vector<double>(n * in));
  for (int j = 0; j < count; j++) {
    for (int64_t i = 0; i < n * in; i++) masked[j][i] = ref_masked<TW, A>(x[i], seed, set.offset[j], i, p);
  }

  // (b) h_j = D_j(x)·A_jᵀ
  for (int j = 0; j < count; j++) {
    set.a[j] = as[j].data();
    set.out[j] = hs[j].data();
  }
  cudaError_t err = launch_lora_down<TX, TW>(x.data(), n, in, set, d, nullptr);
  check(err == cudaSuccess, "lora_down launch " + tag);
  for (int j = 0; j < count; j++) {
    const int r = s.ranks[j];
    std::vector<double> got(n * r), ref(n * r);
    for (int64_t row = 0; row < n; row++) {
      for (int c = 0; c < r; c++) {
        double acc = 0;
        for (int64_t k = 0; k < in; k++) acc += masked[j][row * in + k] * to_d(as[j][c * in + k]);
        ref[row * r + c] = acc;
        got[row * r + c] = to_d(hs[j][row * r + c]);
      }
    }
    double e = max_rel_err(got, ref);
    check(e <= tolerance<TW>(), "lora_down " + tag + " adapter " + std::to_string(j) + ": error " + std::to_string(e));
  }

  // (c) dA_j = g_jᵀ·D_j(x), with one split, three, and the heuristic's count
  for (int j = 0; j < count; j++) {
    set.g[j] = gs[j].data();
    set.out[j] = das[j].data();
  }
  std::vector<double> ref_da[kMaxAdapters];
  for (int j = 0; j < count; j++) {
    const int r = s.ranks[j];
    ref_da[j].assign(static_cast<size_t>(r) * in, 0.0);
    for (int64_t row = 0; row < n; row++) {
      for (int c = 0; c < r; c++) {
        const double g = to_d(gs[j][row * r + c]);
        for (int64_t k = 0; k < in; k++) ref_da[j][c * in + k] += g * masked[j][row * in + k];
      }
    }
  }
  for (int splits : {1, 3, lora_grad_a_splits(n, set.total_r, in, 132)}) {
    std::vector<A> workspace(static_cast<size_t>(splits) * set.total_r * in, A(-12345));
    for (auto &da : das) std::fill(da.begin(), da.end(), from_a<TW>(A(-777)));
    err = launch_lora_grad_a<TX, TW>(x.data(), n, in, set, d, workspace.data(), splits, nullptr);
    check(err == cudaSuccess, "lora_grad_a launch " + tag);
    for (int j = 0; j < count; j++) {
      std::vector<double> got(das[j].size());
      for (size_t i = 0; i < got.size(); i++) got[i] = to_d(das[j][i]);
      double e = max_rel_err(got, ref_da[j]);
      check(e <= tolerance<TW>(), "lora_grad_a " + tag + " splits=" + std::to_string(splits) + " adapter " +
                                      std::to_string(j) + ": error " + std::to_string(e));
    }
  }

  // (c') dx += Σ_j D_j(g_j·A_j), dx in the activation dtype
  std::vector<TX> dx = random_vec<TX>(n * in);
  std::vector<double> ref_dx(n * in);
  for (int64_t row = 0; row < n; row++) {
    for (int64_t k = 0; k < in; k++) {
      double total = 0;
      for (int j = 0; j < count; j++) {
        const int r = s.ranks[j];
        double ga = 0;
        for (int c = 0; c < r; c++) ga += to_d(gs[j][row * r + c]) * to_d(as[j][c * in + k]);
        total += ga * (p > 0 ? static_cast<double>(ref_factor<A>(seed, set.offset[j], row * in + k, p)) : 1.0);
      }
      ref_dx[row * in + k] = to_d(dx[row * in + k]) + total;
    }
  }
  err = launch_lora_grad_x_add<TX, TW>(dx.data(), n, in, set, d, nullptr);
  check(err == cudaSuccess, "lora_grad_x_add launch " + tag);
  std::vector<double> got(n * in);
  for (int64_t i = 0; i < n * in; i++) got[i] = to_d(dx[i]);
  double e = max_rel_err(got, ref_dx);
  check(e <= std::max(tolerance<TW>(), tolerance<TX>()), "lora_grad_x_add " + tag + ": error " + std::to_string(e));
}

template <typename TX, typename TW>
void test_pair(const std::vector<Shape> &shapes) {
  uint64_t seed = 3;
  for (const Shape &s : shapes) {
    for (double p : {0.3, 0.0}) {
      test_kernels<TX, TW>(s, p, seed, 17 + seed);
      seed += 5;
    }
  }
}

void test_validation() {
  float x[4] = {}, h[4] = {}, a[4] = {};
  Dropout d{1, 0.1f, 1.0 / 0.9};
  AdapterSet<float> set{};
  check(launch_lora_down<float, float>(x, 1, 4, set, d, nullptr) == cudaErrorInvalidValue, "count 0 rejected");
  set = make_set<float>({1}, 0, 4);
  set.a[0] = a;
  set.out[0] = h;
  set.start[0] = 1;
  check(launch_lora_down<float, float>(x, 1, 4, set, d, nullptr) == cudaErrorInvalidValue, "bad start rejected");
  set.start[0] = 0;
  check(launch_lora_down<float, float>(x, 1, 4, set, d, nullptr) == cudaSuccess, "valid set accepted");
  check(launch_lora_down<float, float>(x, 0, 4, set, d, nullptr) == cudaSuccess, "n = 0 is a no-op");
  float ws[4] = {};
  set.g[0] = a;
  check(launch_lora_grad_a<float, float>(x, 1, 4, set, d, ws, 0, nullptr) == cudaErrorInvalidValue, "0 splits rejected");
  set.a[0] = nullptr;
  check(launch_lora_grad_x_add<float, float>(x, 1, 4, set, d, nullptr) == cudaErrorInvalidValue, "null A rejected");
  check(launch_lora_dropout<float>(nullptr, x, 4, d, 0, nullptr) == cudaErrorInvalidValue, "null x rejected");
  check(lora_grad_a_splits(1, 8, 4, 132) == 1, "one token: one split");
  check(lora_grad_a_splits(1 << 20, 16, 4096, 132) <= 64, "splits capped");
}

// ---- the CPU op's mask generator (cpu/philox_cpu.h) ---------------------------------------------------

// Every path of philox_keep_mask against philox_block + philox_uniform element by element: run lengths
// around the 16- and 8-block steps, keys and offsets using both words, and first blocks whose counter's
// low word wraps inside a step (the AVX2 path hands those steps to the scalar loop).
void test_cpu_keep_mask() {
  using Generate = void (*)(uint64_t, uint64_t, uint64_t, int64_t, float, uint32_t *);
  std::vector<std::pair<std::string, Generate>> paths{{"scalar", philox_keep_mask_scalar}, {"dispatch", philox_keep_mask}};
#ifdef L4J_PHILOX_AVX2
  if (philox_cpu_has_avx2()) {
    paths.push_back({"avx2", philox_keep_mask_avx2});
  } else {
    std::printf("note: this CPU has no AVX2; the AVX2 mask path is not checked\n");
  }
#endif
  const uint64_t seeds[] = {0, 0x243F6A8885A308D3ull, ~0ull};
  const uint64_t offsets[] = {0, 12345, 1ull << 40};
  const uint64_t firsts[] = {0, 5, 0xFFFFFFF4ull, (1ull << 32) - 3};
  const int64_t lengths[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 300};
  const float ps[] = {0.0f, 0.05f, 0.5f, 0.999f};
  std::vector<uint32_t> keep(4 * 300 + 4);
  for (const auto &[name, generate] : paths) {
    for (uint64_t first : firsts) {
      for (float p : ps) {
        int64_t mismatches = 0, dropped = 0, total = 0;
        for (uint64_t seed : seeds) {
          for (uint64_t offset : offsets) {
            for (int64_t blocks : lengths) {
              std::fill(keep.begin(), keep.end(), 0x5A5A5A5Au);
              generate(seed, offset, first, blocks, p, keep.data());
              for (int64_t k = 0; k < 4 * blocks; k++) {
                const Philox4 r = philox_block(seed, offset, first + static_cast<uint64_t>(k / 4));
                const uint32_t expected = philox_uniform(r.v[k % 4]) < p ? 0u : ~0u;
                mismatches += keep[k] != expected;
                dropped += expected == 0u;
                total++;
              }
              mismatches += keep[4 * blocks] != 0x5A5A5A5Au;  // nothing written past the run
            }
          }
        }
        // p = 0 drops nothing; otherwise the drop rate must be near p, so the check cannot pass vacuously.
        const double rate = static_cast<double>(dropped) / static_cast<double>(total);
        const bool rate_ok = p == 0.0f ? dropped == 0 : std::fabs(rate - p) < 0.05;
        check(mismatches == 0 && rate_ok, std::string("keep mask ") + name + " first block " + std::to_string(first) +
                                              " p " + std::to_string(p) + ": " + std::to_string(mismatches) +
                                              " mismatches, drop rate " + std::to_string(rate));
      }
    }
  }
}

}  // namespace

int main() {
  test_validation();
  test_cpu_keep_mask();
  test_dropout<float>();
  test_dropout<double>();
  test_dropout<__nv_bfloat16>();
  test_dropout<__half>();
  // Rank tiles are 32 wide: {4, 40, 7} puts adapter 1 across the tile boundary; in = 77 and 10 make
  // groups of four straddle rows (two Philox blocks); n = 70 and 257 leave partial token tiles.
  const std::vector<Shape> shapes{{70, 77, {4, 40, 7}}, {257, 64, {16, 16}}, {5, 10, {256}},
                                  {33, 41, {1, 8, 8, 9}}};
  test_pair<double, double>(shapes);
  test_pair<float, float>(shapes);
  const std::vector<Shape> few{{70, 77, {4, 40, 7}}, {33, 41, {1, 8, 8, 9}}};
  test_pair<__nv_bfloat16, float>(few);
  test_pair<__half, float>(few);
  test_pair<__nv_bfloat16, __nv_bfloat16>(few);
  test_pair<__half, __half>(few);
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
