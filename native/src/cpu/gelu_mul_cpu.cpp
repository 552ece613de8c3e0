// The gated feed-forward's gelu(a) · b and its backward in one pass each, for float32 on AVX2 + FMA CPUs.
//
// Composed from ATen ops the backward reads and writes (tokens, d_ff) tensors six times and evaluates the
// tanh twice (gelu_backward's, and gelu's recomputed for db); here one pass reads a, b and dy, evaluates
// the tanh once and writes da and db. The arithmetic is ATen's tanh-approximation kernels' (GeluKernel.cpp),
// operation for operation on the same Vectorized<float> type, so the results are theirs to the rounding of
// the compiler's choices (checked in the tests, not assumed).
//
// This file alone is compiled for AVX2 + FMA (CMakeLists.txt), so ATen's vector headers give their 256-bit
// Vectorized<float> with Sleef's tanh; callers check gelu_mul_cpu_applies first, which asks the CPU.
#include "cpu/gelu_mul_cpu.h"

#include <ATen/Parallel.h>
#include <ATen/cpu/vec/vec.h>

#include <optional>

namespace l4j {

namespace {

using Vec = at::vec::Vectorized<float>;

// Elements per at::parallel_for task.
constexpr int64_t kGrain = 32768;

// ATen's constants for the tanh approximation, sqrt(2/π) and the cubic's coefficient, and the small
// numbers of its formulas. Built inside the kernels, never at namespace scope: a static initializer would
// run AVX instructions when the library loads, before anyone asked whether the CPU has them.
struct Constants {
  const Vec beta{static_cast<float>(M_SQRT2 * M_2_SQRTPI * 0.5)};
  const Vec kappa{0.044715f};
  const Vec half{0.5f};
  const Vec one{1.0f};
  const Vec three{3.0f};
};

// A tensor read as rows of its last dimension: (rows, cols) with unit column stride and a row stride that
// may exceed cols (a narrowed slice of a grouped projection's output, wi_0 | wi_1).
struct Rows {
  int64_t rows = 0, cols = 0, stride = 0;
};

// t as rows, or nullopt when its leading dimensions do not merge into one evenly strided dimension.
std::optional<Rows> as_rows(const at::Tensor &t) {
  if (t.dim() == 0 || t.stride(-1) != 1) return std::nullopt;
  Rows r;
  r.cols = t.size(-1);
  r.rows = r.cols == 0 ? 0 : t.numel() / r.cols;
  r.stride = r.cols;
  int64_t expected = -1;  // the stride the next-outer dimension must have to merge
  for (int64_t d = t.dim() - 2; d >= 0; d--) {
    if (t.size(d) == 1) continue;
    if (expected < 0) {
      r.stride = t.stride(d);
      if (r.stride < r.cols) return std::nullopt;
    } else if (t.stride(d) != expected) {
      return std::nullopt;
    }
    expected = t.stride(d) * t.size(d);
  }
  return r;
}

// Runs body(row, column, count) over a rows × cols grid in vector-width pieces, each row's last one
// partial, rows split across threads.
template <typename Body>
void for_each_vector(int64_t rows, int64_t cols, const Body &body) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; row++) {
      for (int64_t j = 0; j < cols; j += Vec::size()) body(row, j, std::min<int64_t>(Vec::size(), cols - j));
    }
  });
}

}  // namespace

bool gelu_mul_cpu_applies(const at::Tensor &a, const at::Tensor &b) {
#if defined(CPU_CAPABILITY_AVX2)
  static const bool cpu_has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  constexpr bool cpu_has = false;  // built without the 256-bit vector types: the composed ops
#endif
  return cpu_has && a.device().is_cpu() && a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat &&
         b.device().is_cpu() && a.sizes() == b.sizes() && as_rows(a) && as_rows(b);
}

at::Tensor gelu_tanh_mul_cpu(const at::Tensor &a, const at::Tensor &b) {
  const Rows ra = as_rows(a).value(), rb = as_rows(b).value();
  at::Tensor y = at::empty(a.sizes(), a.options());
  const float *as = a.const_data_ptr<float>();
  const float *bs = b.const_data_ptr<float>();
  float *ys = y.mutable_data_ptr<float>();
  const Constants c;
  for_each_vector(ra.rows, ra.cols, [&](int64_t row, int64_t j, int64_t count) {
    const int64_t i = row * ra.cols + j;
    const Vec x = Vec::loadu(as + row * ra.stride + j, count);
    const Vec x_cube = x * x * x;
    const Vec inner = c.beta * (x + c.kappa * x_cube);
    const Vec gelu = c.half * x * (c.one + inner.tanh());
    (gelu * Vec::loadu(bs + row * rb.stride + j, count)).store(ys + i, count);
  });
  return y;
}

void gelu_tanh_mul_backward_cpu(const at::Tensor &a, const at::Tensor &b, const at::Tensor &dy, at::Tensor *da,
                                at::Tensor *db) {
  TORCH_CHECK(dy.sizes() == a.sizes() && dy.scalar_type() == at::kFloat && dy.is_contiguous(),
              "gelu_tanh_mul_backward_cpu: dy must be a contiguous float32 tensor of a's shape");
  const Rows ra = as_rows(a).value(), rb = as_rows(b).value();
  if (da != nullptr) *da = at::empty(a.sizes(), a.options());
  if (db != nullptr) *db = at::empty(b.sizes(), b.options());
  const float *as = a.const_data_ptr<float>();
  const float *bs = b.const_data_ptr<float>();
  const float *dys = dy.const_data_ptr<float>();
  float *das = da != nullptr ? da->mutable_data_ptr<float>() : nullptr;
  float *dbs = db != nullptr ? db->mutable_data_ptr<float>() : nullptr;
  const Constants c;
  for_each_vector(ra.rows, ra.cols, [&](int64_t row, int64_t j, int64_t count) {
    const int64_t i = row * ra.cols + j;  // in dy, da and db (contiguous)
    const Vec x = Vec::loadu(as + row * ra.stride + j, count);
    const Vec g = Vec::loadu(dys + i, count);
    const Vec x_sq = x * x;
    const Vec x_cube = x_sq * x;
    const Vec inner = c.beta * (x + c.kappa * x_cube);
    const Vec tanh_inner = inner.tanh();
    const Vec left = c.half * x;
    const Vec right = c.one + tanh_inner;
    if (dbs != nullptr) (g * (left * right)).store(dbs + i, count);  // dy · gelu(a)
    if (das != nullptr) {                                           // (dy · b) · gelu'(a)
      const Vec left_derivative = c.half * right;
      const Vec tanh_derivative = c.one - tanh_inner * tanh_inner;
      const Vec inner_derivative = c.beta * (c.one + c.three * c.kappa * x_sq);
      const Vec right_derivative = left * tanh_derivative * inner_derivative;
      ((g * Vec::loadu(bs + row * rb.stride + j, count)) * (left_derivative + right_derivative)).store(das + i, count);
    }
  });
}

}  // namespace l4j
