// CUDA kernels of the fused LoRA op (see lora_kernels.cuh for the notation and docs/CUDA.md for the
// design). Correctness first: plain shared-memory tiled GEMMs with the dropout mask applied as a tile
// is loaded, fp32 (fp64 for double) accumulation, no tensor cores. Every tile size below is a
// constexpr next to the kernel that uses it, and every kernel is written for 256 threads seen as a
// 16 x 16 grid (tx = tid % 16, ty = tid / 16).
//
// The mask: element (n, k) of x has flat index i = n·in + k; its factor is 0 if
// philox_uniform(Philox(seed, offset_j)[block i/4].lane(i%4)) < p, else 1/(1-p) — exactly the CPU
// loop in cpu/lora_dropout_cpu.cpp. A thread always handles four consecutive k of one row, which
// needs one Philox block when i is a multiple of 4 and two otherwise (dropout_factors4).
#include "cuda/lora_kernels.cuh"

#include "philox.h"

namespace l4j {
namespace cuda {
namespace {

// ---- conversions ------------------------------------------------------------------------------

template <typename A>
__device__ __forceinline__ A to_acc(float v) {
  return static_cast<A>(v);
}
template <typename A>
__device__ __forceinline__ A to_acc(double v) {
  return static_cast<A>(v);
}
template <typename A>
__device__ __forceinline__ A to_acc(__nv_bfloat16 v) {
  return static_cast<A>(__bfloat162float(v));
}
template <typename A>
__device__ __forceinline__ A to_acc(__half v) {
  return static_cast<A>(__half2float(v));
}

template <typename T>
struct FromAcc;
template <>
struct FromAcc<float> {
  static __device__ __forceinline__ float cvt(float v) { return v; }
};
template <>
struct FromAcc<double> {
  static __device__ __forceinline__ double cvt(double v) { return v; }
};
template <>
struct FromAcc<__nv_bfloat16> {  // round to nearest even, as c10::BFloat16(float)
  static __device__ __forceinline__ __nv_bfloat16 cvt(float v) { return __float2bfloat16_rn(v); }
};
template <>
struct FromAcc<__half> {  // round to nearest even, as c10::Half(float)
  static __device__ __forceinline__ __half cvt(float v) { return __float2half_rn(v); }
};

template <typename T, typename A>
__device__ __forceinline__ T from_acc(A v) {
  return FromAcc<T>::cvt(v);
}

// v rounded to T and back: the masked operand takes the adapter dtype, as the composite's dropout
// output does, before it enters a product.
template <typename T, typename A>
__device__ __forceinline__ A round_to(A v) {
  return to_acc<A>(from_acc<T>(v));
}

// ---- the mask --------------------------------------------------------------------------------------

__device__ __forceinline__ uint32_t lane_bits(const Philox4 &r, int lane) {
  return lane == 0 ? r.v[0] : lane == 1 ? r.v[1] : lane == 2 ? r.v[2] : r.v[3];
}

// Dropout factors of the flat indices i0 .. i0+3 of a draw at (d.seed, offset): 0 or keep, or all 1
// without dropout. Bit-identical with the CPU loop (same Philox block/lane, same float comparison,
// keep = (A) (1.0 / (1.0 - p))).
template <typename A>
__device__ __forceinline__ void dropout_factors4(const Dropout &d, uint64_t offset, uint64_t i0, A f[4]) {
  if (!(d.p > 0.0f)) {
#pragma unroll
    for (int t = 0; t < 4; t++) f[t] = A(1);
    return;
  }
  const A keep = static_cast<A>(d.keep);
  const uint64_t block = i0 >> 2;
  const int lane = static_cast<int>(i0 & 3);
  const Philox4 r0 = philox_block(d.seed, offset, block);
  const Philox4 r1 = lane == 0 ? r0 : philox_block(d.seed, offset, block + 1);
#pragma unroll
  for (int t = 0; t < 4; t++) {
    const int l = lane + t;
    const uint32_t bits = l < 4 ? lane_bits(r0, l) : lane_bits(r1, l - 4);
    f[t] = philox_uniform(bits) < d.p ? A(0) : keep;
  }
}

// The adapter owning concatenated rank column c (0 <= c < total_r).
template <typename TW>
__device__ __forceinline__ int adapter_of(const AdapterSet<TW> &set, int c) {
  int j = 0;
#pragma unroll
  for (int q = 1; q < kMaxAdapters; q++) {
    if (q < set.count && c >= set.start[q]) j = q;
  }
  return j;
}

// ---- (a) dropout ---------------------------------------------------------------------------------

constexpr int kDropoutThreads = 256;

// One thread per Philox block (four elements), grid-stride. out may alias x.
template <typename T>
__global__ void __launch_bounds__(kDropoutThreads)
    lora_dropout_kernel(const T *x, T *out, int64_t n, Dropout d, uint64_t offset) {
  using A = acc_t<T>;
  const int64_t groups = (n + 3) / 4;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < groups; b += stride) {
    A f[4];
    dropout_factors4<A>(d, offset, static_cast<uint64_t>(b) * 4, f);
#pragma unroll
    for (int t = 0; t < 4; t++) {
      const int64_t i = b * 4 + t;
      if (i < n) out[i] = from_acc<T>(to_acc<A>(x[i]) * f[t]);
    }
  }
}

// ---- (b) down projection: h_j = D_j(x)·A_jᵀ for all adapters, x read once per tile ----------------
//
// Output: the (N, total_r) matrix [h_0 | h_1 | ...] in tiles of BM tokens x BN rank columns (grid
// ceil(N/BM) x ceil(total_r/BN); with total_r <= BN, the usual case, x is read from global memory
// exactly once). The reduction over `in` runs in steps of BK:
//   1. each thread loads 2 groups of 4 consecutive x elements into registers (raw, no mask);
//   2. the A rows of the tile's columns go to shared memory `as` (BN x BK);
//   3. for each adapter j the tile touches: the registers are masked with adapter j's mask, rounded
//      to the adapter dtype and written to `xm` (BM x BK); every thread then accumulates its 4 x 2
//      outputs (rows ty + 16i, columns tx + 16jj) that belong to adapter j.
namespace down {
constexpr int BM = 64, BN = 32, BK = 32, THREADS = 256;
constexpr int TM = BM / 16, TN = BN / 16;     // 4 x 2 outputs per thread
constexpr int XG = BM * BK / 4 / THREADS;     // groups of 4 x elements per thread (2)
constexpr int AL = BN * BK / THREADS;         // A elements per thread (4)
static_assert(XG * 4 * THREADS == BM * BK && AL * THREADS == BN * BK, "tile must divide evenly");
}  // namespace down

template <typename TX, typename TW>
__global__ void __launch_bounds__(down::THREADS)
    lora_down_kernel(const TX *__restrict__ x, int64_t n, int64_t in, const AdapterSet<TW> set, Dropout d) {
  using namespace down;
  using A = acc_t<TW>;
  __shared__ A xm[BM][BK + 1];  // x tile with one adapter's mask   (tokens x in)
  __shared__ A as[BN][BK + 1];  // A rows of the tile's columns     (rank x in)

  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BM;
  const int c0 = blockIdx.y * BN;
  const int j_lo = adapter_of(set, c0);
  const int j_hi = adapter_of(set, min(c0 + BN, set.total_r) - 1);
  int colj[TN];  // adapter of each of this thread's columns, -1 past total_r
#pragma unroll
  for (int jj = 0; jj < TN; jj++) {
    const int c = c0 + tx + 16 * jj;
    colj[jj] = c < set.total_r ? adapter_of(set, c) : -1;
  }
  A acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int jj = 0; jj < TN; jj++) acc[i][jj] = A(0);

  for (int64_t k0 = 0; k0 < in; k0 += BK) {
    // 1. raw x, groups of four consecutive k: group q is row q / (BK/4), columns (q % (BK/4))·4 + 0..3
    A xr[XG][4];
#pragma unroll
    for (int s = 0; s < XG; s++) {
      const int q = tid + s * THREADS, m = q / (BK / 4), kq = (q % (BK / 4)) * 4;
      const int64_t row = n0 + m;
#pragma unroll
      for (int t = 0; t < 4; t++) {
        const int64_t k = k0 + kq + t;
        xr[s][t] = (row < n && k < in) ? to_acc<A>(x[row * in + k]) : A(0);
      }
    }
    __syncthreads();  // the previous step's readers of xm and as are done
    // 2. A tile: as[c][kk] = A_j[c0 + c - start_j][k0 + kk]
#pragma unroll
    for (int s = 0; s < AL; s++) {
      const int e = tid + s * THREADS, c = e / BK, kk = e % BK, col = c0 + c;
      const int64_t k = k0 + kk;
      A v = A(0);
      if (col < set.total_r && k < in) {
        const int j = adapter_of(set, col);
        v = to_acc<A>(set.a[j][static_cast<int64_t>(col - set.start[j]) * in + k]);
      }
      as[c][kk] = v;
    }
    // 3. per adapter: mask, then accumulate that adapter's columns
    for (int j = j_lo; j <= j_hi; j++) {
      if (j > j_lo) __syncthreads();  // readers of the previous adapter's xm are done
#pragma unroll
      for (int s = 0; s < XG; s++) {
        const int q = tid + s * THREADS, m = q / (BK / 4), kq = (q % (BK / 4)) * 4;
        A f[4];
        dropout_factors4<A>(d, set.offset[j], static_cast<uint64_t>((n0 + m) * in + k0 + kq), f);
#pragma unroll
        for (int t = 0; t < 4; t++) xm[m][kq + t] = round_to<TW>(xr[s][t] * f[t]);
      }
      __syncthreads();
#pragma unroll 8
      for (int kk = 0; kk < BK; kk++) {
        A xv[TM];
#pragma unroll
        for (int i = 0; i < TM; i++) xv[i] = xm[ty + 16 * i][kk];
#pragma unroll
        for (int jj = 0; jj < TN; jj++) {
          if (colj[jj] != j) continue;
          const A av = as[tx + 16 * jj][kk];
#pragma unroll
          for (int i = 0; i < TM; i++) acc[i][jj] += xv[i] * av;
        }
      }
    }
  }

#pragma unroll
  for (int i = 0; i < TM; i++) {
    const int64_t row = n0 + ty + 16 * i;
    if (row >= n) continue;
#pragma unroll
    for (int jj = 0; jj < TN; jj++) {
      const int j = colj[jj];
      if (j < 0) continue;
      const int local = c0 + tx + 16 * jj - set.start[j];
      set.out[j][row * set.r[j] + local] = from_acc<TW>(acc[i][jj]);
    }
  }
}

// ---- (c) dA_j = g_jᵀ·D_j(x), mask regenerated ------------------------------------------------------
//
// Output: the (total_r, in) matrix [dA_0; dA_1; ...] in tiles of BC rank rows x BK input columns; the
// reduction runs over tokens in steps of BT. The token range is split over blockIdx.z (split-K, so
// that a skinny output still fills the GPU); split z writes its partial tile to workspace[z] and
// lora_grad_a_reduce_kernel sums the splits in order. Per token step:
//   1. each thread loads 2 groups of 4 consecutive x elements into registers (raw);
//   2. the g columns of the tile go to shared memory `gs` (BT x BC);
//   3. for each adapter j the tile touches: registers masked with adapter j's mask -> `xm` (BT x BK),
//      then each thread accumulates its 2 x 4 outputs (rows ty + 16i, columns tx + 16q) of adapter j.
namespace grad_a {
constexpr int BT = 32, BC = 32, BK = 64, THREADS = 256;
constexpr int TC = BC / 16, TK = BK / 16;     // 2 x 4 outputs per thread
constexpr int XG = BT * BK / 4 / THREADS;     // groups of 4 x elements per thread (2)
constexpr int GL = BT * BC / THREADS;         // g elements per thread (4)
constexpr int kMaxSplits = 64;
static_assert(XG * 4 * THREADS == BT * BK && GL * THREADS == BT * BC, "tile must divide evenly");
}  // namespace grad_a

template <typename TX, typename TW>
__global__ void __launch_bounds__(grad_a::THREADS)
    lora_grad_a_kernel(const TX *__restrict__ x, int64_t n, int64_t in, const AdapterSet<TW> set, Dropout d,
                       acc_t<TW> *__restrict__ workspace, int64_t tiles_per_split) {
  using namespace grad_a;
  using A = acc_t<TW>;
  __shared__ A gs[BT][BC + 1];  // g tile        (tokens x rank)
  __shared__ A xm[BT][BK + 1];  // masked x tile (tokens x in)

  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t k0 = static_cast<int64_t>(blockIdx.x) * BK;
  const int c0 = blockIdx.y * BC;
  const int64_t token_tiles = (n + BT - 1) / BT;
  const int64_t t_begin = static_cast<int64_t>(blockIdx.z) * tiles_per_split;
  const int64_t t_end = min(token_tiles, t_begin + tiles_per_split);
  const int j_lo = adapter_of(set, c0);
  const int j_hi = adapter_of(set, min(c0 + BC, set.total_r) - 1);
  int rowj[TC];
#pragma unroll
  for (int i = 0; i < TC; i++) {
    const int c = c0 + ty + 16 * i;
    rowj[i] = c < set.total_r ? adapter_of(set, c) : -1;
  }
  A acc[TC][TK];
#pragma unroll
  for (int i = 0; i < TC; i++)
#pragma unroll
    for (int q = 0; q < TK; q++) acc[i][q] = A(0);

  for (int64_t tt = t_begin; tt < t_end; tt++) {
    const int64_t t0 = tt * BT;
    // 1. raw x: group q is token q / (BK/4), columns (q % (BK/4))·4 + 0..3
    A xr[XG][4];
#pragma unroll
    for (int s = 0; s < XG; s++) {
      const int q = tid + s * THREADS, t = q / (BK / 4), kq = (q % (BK / 4)) * 4;
      const int64_t row = t0 + t;
#pragma unroll
      for (int u = 0; u < 4; u++) {
        const int64_t k = k0 + kq + u;
        xr[s][u] = (row < n && k < in) ? to_acc<A>(x[row * in + k]) : A(0);
      }
    }
    __syncthreads();  // the previous step's readers of gs and xm are done
    // 2. g tile: gs[t][c] = g_j[t0 + t][c0 + c - start_j]
#pragma unroll
    for (int s = 0; s < GL; s++) {
      const int e = tid + s * THREADS, t = e / BC, c = e % BC, col = c0 + c;
      const int64_t row = t0 + t;
      A v = A(0);
      if (row < n && col < set.total_r) {
        const int j = adapter_of(set, col);
        v = to_acc<A>(set.g[j][row * set.r[j] + (col - set.start[j])]);
      }
      gs[t][c] = v;
    }
    // 3. per adapter: mask, then accumulate that adapter's rows
    for (int j = j_lo; j <= j_hi; j++) {
      if (j > j_lo) __syncthreads();
#pragma unroll
      for (int s = 0; s < XG; s++) {
        const int q = tid + s * THREADS, t = q / (BK / 4), kq = (q % (BK / 4)) * 4;
        A f[4];
        dropout_factors4<A>(d, set.offset[j], static_cast<uint64_t>((t0 + t) * in + k0 + kq), f);
#pragma unroll
        for (int u = 0; u < 4; u++) xm[t][kq + u] = round_to<TW>(xr[s][u] * f[u]);
      }
      __syncthreads();
#pragma unroll 8
      for (int t = 0; t < BT; t++) {
        A xv[TK];
#pragma unroll
        for (int q = 0; q < TK; q++) xv[q] = xm[t][tx + 16 * q];
#pragma unroll
        for (int i = 0; i < TC; i++) {
          if (rowj[i] != j) continue;
          const A gv = gs[t][ty + 16 * i];
#pragma unroll
          for (int q = 0; q < TK; q++) acc[i][q] += gv * xv[q];
        }
      }
    }
  }

  A *ws = workspace + static_cast<int64_t>(blockIdx.z) * set.total_r * in;
#pragma unroll
  for (int i = 0; i < TC; i++) {
    const int c = c0 + ty + 16 * i;
    if (c >= set.total_r) continue;
#pragma unroll
    for (int q = 0; q < TK; q++) {
      const int64_t k = k0 + tx + 16 * q;
      if (k < in) ws[c * in + k] = acc[i][q];
    }
  }
}

// dA_j[c][k] = Σ_z workspace[z][start_j + c][k], in order z = 0, 1, ... (deterministic).
template <typename TW>
__global__ void __launch_bounds__(256)
    lora_grad_a_reduce_kernel(const acc_t<TW> *__restrict__ workspace, int splits, int64_t in, const AdapterSet<TW> set) {
  using A = acc_t<TW>;
  const int64_t total = static_cast<int64_t>(set.total_r) * in;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    A sum = A(0);
    for (int z = 0; z < splits; z++) sum += workspace[z * total + e];
    const int c = static_cast<int>(e / in);
    const int64_t k = e % in;
    const int j = adapter_of(set, c);
    set.out[j][(c - set.start[j]) * in + k] = from_acc<TW>(sum);
  }
}

// ---- (c') dx += Σ_j D_j(g_j·A_j) -------------------------------------------------------------------
//
// Output: dx (N, in) in tiles of BM tokens x BK input columns, each element read and written once.
// Thread (tx, ty) owns rows ty + 16i (i < 4) and the four consecutive columns tx·4 + 0..3, so its
// mask is one dropout_factors4 per row. For each adapter j the rank reduction runs in steps of BC:
// g_j's tile (BM x BC) and A_j's tile (BC x BK) go to shared memory and the thread accumulates
// part = g_j·A_j for its 16 elements; then part ⊙ mask_j is added to the running total. The dense
// g_j·A_j never exists in global memory.
namespace grad_x {
constexpr int BM = 64, BK = 64, BC = 16, THREADS = 256;
constexpr int TM = BM / 16, TK = 4;  // 4 x 4 outputs per thread
constexpr int GL = BM * BC / THREADS, AL = BC * BK / THREADS;  // 4 and 4 elements per thread
static_assert(TK * 16 == BK && GL * THREADS == BM * BC && AL * THREADS == BC * BK, "tile must divide evenly");
}  // namespace grad_x

template <typename TD, typename TW>
__global__ void __launch_bounds__(grad_x::THREADS)
    lora_grad_x_add_kernel(TD *__restrict__ dx, int64_t n, int64_t in, const AdapterSet<TW> set, Dropout d) {
  using namespace grad_x;
  using A = acc_t<TW>;
  __shared__ A gs[BM][BC + 1];  // g_j tile (tokens x rank)
  __shared__ A as[BC][BK + 1];  // A_j tile (rank x in)

  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BM;
  const int64_t k0 = static_cast<int64_t>(blockIdx.y) * BK;
  A total[TM][TK];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int u = 0; u < TK; u++) total[i][u] = A(0);

  for (int j = 0; j < set.count; j++) {
    const int r = set.r[j];
    const TW *g = set.g[j];
    const TW *a = set.a[j];
    A part[TM][TK];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
      for (int u = 0; u < TK; u++) part[i][u] = A(0);
    for (int c0 = 0; c0 < r; c0 += BC) {
      __syncthreads();  // the previous step's readers of gs and as are done
#pragma unroll
      for (int s = 0; s < GL; s++) {
        const int e = tid + s * THREADS, m = e / BC, c = e % BC;
        const int64_t row = n0 + m;
        gs[m][c] = (row < n && c0 + c < r) ? to_acc<A>(g[row * r + c0 + c]) : A(0);
      }
#pragma unroll
      for (int s = 0; s < AL; s++) {
        const int e = tid + s * THREADS, c = e / BK, kk = e % BK;
        const int64_t k = k0 + kk;
        as[c][kk] = (c0 + c < r && k < in) ? to_acc<A>(a[static_cast<int64_t>(c0 + c) * in + k]) : A(0);
      }
      __syncthreads();
#pragma unroll
      for (int c = 0; c < BC; c++) {
        A av[TK];
#pragma unroll
        for (int u = 0; u < TK; u++) av[u] = as[c][tx * TK + u];
#pragma unroll
        for (int i = 0; i < TM; i++) {
          const A gv = gs[ty + 16 * i][c];
#pragma unroll
          for (int u = 0; u < TK; u++) part[i][u] += gv * av[u];
        }
      }
    }
#pragma unroll
    for (int i = 0; i < TM; i++) {
      const int64_t row = n0 + ty + 16 * i;
      A f[4];
      dropout_factors4<A>(d, set.offset[j], static_cast<uint64_t>(row * in + k0 + tx * TK), f);
#pragma unroll
      for (int u = 0; u < TK; u++) total[i][u] += part[i][u] * f[u];
    }
  }

#pragma unroll
  for (int i = 0; i < TM; i++) {
    const int64_t row = n0 + ty + 16 * i;
    if (row >= n) continue;
#pragma unroll
    for (int u = 0; u < TK; u++) {
      const int64_t k = k0 + tx * TK + u;
      if (k >= in) continue;
      TD *p = dx + row * in + k;
      *p = from_acc<TD>(to_acc<A>(*p) + total[i][u]);
    }
  }
}

// ---- host side ------------------------------------------------------------------------------------

#ifndef L4J_KERNEL_EMULATION
// kernel<<<grid, block, 0, stream>>>(args...), then the launch's status. (Under the CPU emulation of
// native/tests/cuda_emulation.h, that header's launch_kernel runs the grid on threads instead.)
template <typename... KernelArgs, typename... Args>
cudaError_t launch_kernel(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, cudaStream_t stream, Args... args) {
  kernel<<<grid, block, 0, stream>>>(args...);
  return cudaGetLastError();
}
#endif

template <typename TW>
bool valid_set(const AdapterSet<TW> &set, bool need_a, bool need_g, bool need_out) {
  if (set.count < 1 || set.count > kMaxAdapters) return false;
  int start = 0;
  for (int j = 0; j < set.count; j++) {
    if (set.r[j] < 1 || set.start[j] != start) return false;
    if ((need_a && set.a[j] == nullptr) || (need_g && set.g[j] == nullptr) || (need_out && set.out[j] == nullptr)) {
      return false;
    }
    start += set.r[j];
  }
  return start == set.total_r;
}

inline unsigned int blocks_for(int64_t work, int threads, int64_t cap) {
  int64_t blocks = (work + threads - 1) / threads;
  if (blocks < 1) blocks = 1;
  if (blocks > cap) blocks = cap;
  return static_cast<unsigned int>(blocks);
}

constexpr int64_t kMaxGridX = 2147483647;
constexpr int64_t kMaxGridYZ = 65535;
constexpr int64_t kGridStrideCap = 65535LL * 8;  // grid-stride kernels: enough blocks to fill any GPU

}  // namespace

template <typename T>
cudaError_t launch_lora_dropout(const T *x, T *out, int64_t n, Dropout d, uint64_t offset, cudaStream_t stream) {
  if (n < 0 || (n > 0 && (x == nullptr || out == nullptr))) return cudaErrorInvalidValue;
  if (n == 0) return cudaSuccess;
  const unsigned int blocks = blocks_for((n + 3) / 4, kDropoutThreads, kGridStrideCap);
  return launch_kernel(lora_dropout_kernel<T>, dim3(blocks), dim3(kDropoutThreads), stream, x, out, n, d, offset);
}

template <typename TX, typename TW>
cudaError_t launch_lora_down(const TX *x, int64_t n, int64_t in, const AdapterSet<TW> &set, Dropout d,
                             cudaStream_t stream) {
  if (n < 0 || in < 0 || !valid_set(set, true, false, true) || (n > 0 && in > 0 && x == nullptr)) {
    return cudaErrorInvalidValue;
  }
  if (n == 0) return cudaSuccess;
  const int64_t gx = (n + down::BM - 1) / down::BM;
  const int64_t gy = (set.total_r + down::BN - 1) / down::BN;
  if (gx > kMaxGridX || gy > kMaxGridYZ) return cudaErrorInvalidConfiguration;
  dim3 grid(static_cast<unsigned int>(gx), static_cast<unsigned int>(gy));
  // in == 0 writes zeros
  return launch_kernel(lora_down_kernel<TX, TW>, grid, dim3(down::THREADS), stream, x, n, in, set, d);
}

int lora_grad_a_splits(int64_t n, int total_r, int64_t in, int num_sms) {
  using namespace grad_a;
  const int64_t tiles = ((in + BK - 1) / BK) * ((total_r + BC - 1) / BC);
  const int64_t token_tiles = (n + BT - 1) / BT;
  const int64_t target_blocks = 4LL * (num_sms > 0 ? num_sms : 1);
  int64_t splits = tiles > 0 ? (target_blocks + tiles - 1) / tiles : 1;
  // Each split sums at least 4 token tiles (128 tokens), so the workspace stays small next to x.
  const int64_t by_tokens = token_tiles / 4 > 1 ? token_tiles / 4 : 1;
  if (splits > by_tokens) splits = by_tokens;
  if (splits > kMaxSplits) splits = kMaxSplits;
  if (splits < 1) splits = 1;
  return static_cast<int>(splits);
}

template <typename TX, typename TW>
cudaError_t launch_lora_grad_a(const TX *x, int64_t n, int64_t in, const AdapterSet<TW> &set, Dropout d,
                               acc_t<TW> *workspace, int splits, cudaStream_t stream) {
  using namespace grad_a;
  if (n < 0 || in < 0 || splits < 1 || splits > kMaxSplits || !valid_set(set, false, true, true) ||
      (in > 0 && (workspace == nullptr || (n > 0 && x == nullptr)))) {
    return cudaErrorInvalidValue;
  }
  if (in == 0) return cudaSuccess;
  const int64_t token_tiles = (n + BT - 1) / BT;
  const int64_t tiles_per_split = (token_tiles + splits - 1) / splits;
  const int64_t gx = (in + BK - 1) / BK;
  const int64_t gy = (set.total_r + BC - 1) / BC;
  if (gx > kMaxGridX || gy > kMaxGridYZ) return cudaErrorInvalidConfiguration;
  dim3 grid(static_cast<unsigned int>(gx), static_cast<unsigned int>(gy), static_cast<unsigned int>(splits));
  cudaError_t err = launch_kernel(lora_grad_a_kernel<TX, TW>, grid, dim3(THREADS), stream, x, n, in, set, d, workspace,
                                  tiles_per_split);
  if (err != cudaSuccess) return err;
  const unsigned int blocks = blocks_for(static_cast<int64_t>(set.total_r) * in, 256, kGridStrideCap);
  return launch_kernel(lora_grad_a_reduce_kernel<TW>, dim3(blocks), dim3(256), stream,
                       static_cast<const acc_t<TW> *>(workspace), splits, in, set);
}

template <typename TD, typename TW>
cudaError_t launch_lora_grad_x_add(TD *dx, int64_t n, int64_t in, const AdapterSet<TW> &set, Dropout d,
                                   cudaStream_t stream) {
  using namespace grad_x;
  if (n < 0 || in < 0 || !valid_set(set, true, true, false) || (n > 0 && in > 0 && dx == nullptr)) {
    return cudaErrorInvalidValue;
  }
  if (n == 0 || in == 0) return cudaSuccess;
  const int64_t gx = (n + BM - 1) / BM;
  const int64_t gy = (in + BK - 1) / BK;
  if (gx > kMaxGridX || gy > kMaxGridYZ) return cudaErrorInvalidConfiguration;
  dim3 grid(static_cast<unsigned int>(gx), static_cast<unsigned int>(gy));
  return launch_kernel(lora_grad_x_add_kernel<TD, TW>, grid, dim3(THREADS), stream, dx, n, in, set, d);
}

// ---- explicit instantiations: the dtypes lora_cuda.cpp dispatches to ------------------------------

#define L4J_INSTANTIATE_DROPOUT(T) \
  template cudaError_t launch_lora_dropout<T>(const T *, T *, int64_t, Dropout, uint64_t, cudaStream_t);

// TX / TD is the activation dtype, TW the adapter dtype: equal, or bf16/half activations with fp32
// adapters (PEFT's usual mixed precision).
#define L4J_INSTANTIATE_PAIR(TX, TW)                                                                          \
  template cudaError_t launch_lora_down<TX, TW>(const TX *, int64_t, int64_t, const AdapterSet<TW> &, Dropout, \
                                                cudaStream_t);                                                \
  template cudaError_t launch_lora_grad_a<TX, TW>(const TX *, int64_t, int64_t, const AdapterSet<TW> &,        \
                                                  Dropout, acc_t<TW> *, int, cudaStream_t);                   \
  template cudaError_t launch_lora_grad_x_add<TX, TW>(TX *, int64_t, int64_t, const AdapterSet<TW> &, Dropout, \
                                                      cudaStream_t);

L4J_INSTANTIATE_DROPOUT(float)
L4J_INSTANTIATE_DROPOUT(double)
L4J_INSTANTIATE_DROPOUT(__nv_bfloat16)
L4J_INSTANTIATE_DROPOUT(__half)

L4J_INSTANTIATE_PAIR(float, float)
L4J_INSTANTIATE_PAIR(double, double)
L4J_INSTANTIATE_PAIR(__nv_bfloat16, __nv_bfloat16)
L4J_INSTANTIATE_PAIR(__half, __half)
L4J_INSTANTIATE_PAIR(__nv_bfloat16, float)
L4J_INSTANTIATE_PAIR(__half, float)

}  // namespace cuda
}  // namespace l4j
