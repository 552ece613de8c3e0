// ATen glue for the CUDA LoRA kernels: checks devices, shapes and contiguity, maps ATen dtypes to the
// kernels' element types (c10::BFloat16 / c10::Half share __nv_bfloat16 / __half's layout), allocates
// outputs and workspaces through the caching allocator, and launches on the current CUDA stream.
#include "cuda/lora_cuda.h"

#include <string>
#include <type_traits>
#include <utility>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "cuda/lora_kernels.cuh"

namespace l4j {
namespace {

using cuda::AdapterSet;
using cuda::Dropout;
using cuda::kMaxAdapters;

void check_launch(cudaError_t err, const char *kernel) {
  TORCH_CHECK(err == cudaSuccess, kernel, " kernel failed: ", cudaGetErrorString(err));
}

Dropout make_dropout(double p, uint64_t seed) {
  return Dropout{seed, static_cast<float>(p), 1.0 / (1.0 - p)};
}

template <typename T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with T the kernel element type of t; false if the kernels have no such type.
template <typename F>
bool dispatch_one(at::ScalarType t, F &&f) {
  switch (t) {
    case at::kFloat: f(Tag<float>{}); return true;
    case at::kDouble: f(Tag<double>{}); return true;
    case at::kBFloat16: f(Tag<__nv_bfloat16>{}); return true;
    case at::kHalf: f(Tag<__half>{}); return true;
    default: return false;
  }
}

// The (activation, adapter) dtype pairs instantiated in lora_kernels.cu.
bool pair_supported(at::ScalarType tx, at::ScalarType tw) {
  bool known = tw == at::kFloat || tw == at::kDouble || tw == at::kBFloat16 || tw == at::kHalf;
  return known && (tx == tw || (tw == at::kFloat && (tx == at::kBFloat16 || tx == at::kHalf)));
}

// Calls f(Tag<TX>{}, Tag<TW>{}); the pair must be pair_supported.
template <typename F>
void dispatch_pair(at::ScalarType tx, at::ScalarType tw, F &&f) {
  TORCH_CHECK(pair_supported(tx, tw), "no LoRA CUDA kernel for activations ", tx, " with adapters ", tw);
  if (tx == tw) {
    dispatch_one(tw, [&](auto w) { f(w, w); });
  } else if (tx == at::kBFloat16) {
    f(Tag<__nv_bfloat16>{}, Tag<float>{});
  } else {
    f(Tag<__half>{}, Tag<float>{});
  }
}

template <typename T>
const T *cptr(const at::Tensor &t) {
  return reinterpret_cast<const T *>(t.const_data_ptr());
}
template <typename T>
T *mptr(at::Tensor &t) {
  return reinterpret_cast<T *>(t.mutable_data_ptr());
}

cudaStream_t stream_of(const at::Tensor &t) { return c10::cuda::getCurrentCUDAStream(t.device().index()).stream(); }

// Runs of at most kMaxAdapters consecutive adapters with one dtype: [begin, end).
std::vector<std::pair<size_t, size_t>> groups_of(const std::vector<at::Tensor> &as) {
  std::vector<std::pair<size_t, size_t>> groups;
  size_t begin = 0;
  for (size_t j = 1; j <= as.size(); j++) {
    if (j == as.size() || j - begin == static_cast<size_t>(kMaxAdapters) ||
        as[j].scalar_type() != as[begin].scalar_type()) {
      groups.emplace_back(begin, j);
      begin = j;
    }
  }
  return groups;
}

void check_common(const char *op, const at::Tensor &x, const std::vector<at::Tensor> &as,
                  const std::vector<uint64_t> &offsets) {
  TORCH_CHECK(x.is_cuda(), op, ": x must be a CUDA tensor");
  TORCH_CHECK(x.dim() == 2, op, ": x must be (N, in), got ", x.sizes());
  TORCH_CHECK(!as.empty() && as.size() == offsets.size(), op, ": one offset per adapter");
  for (const at::Tensor &a : as) {
    TORCH_CHECK(a.device() == x.device(), op, ": adapter on ", a.device(), ", x on ", x.device());
    TORCH_CHECK(a.dim() == 2 && a.size(1) == x.size(1) && a.size(0) >= 1, op, ": A ", a.sizes(), " does not read ",
                x.size(1), " features");
  }
}

// The set for adapters [begin, end): r, start, offsets, and A (made contiguous, kept in `keep`).
template <typename TW>
AdapterSet<TW> make_set(const std::vector<at::Tensor> &as, const std::vector<uint64_t> &offsets, size_t begin,
                        size_t end, std::vector<at::Tensor> &keep) {
  AdapterSet<TW> set{};
  set.count = static_cast<int>(end - begin);
  for (size_t j = begin; j < end; j++) {
    const int q = static_cast<int>(j - begin);
    at::Tensor a = as[j].contiguous();
    keep.push_back(a);
    set.r[q] = static_cast<int>(a.size(0));
    set.start[q] = set.total_r;
    set.total_r += set.r[q];
    set.offset[q] = offsets[j];
    set.a[q] = cptr<TW>(a);
  }
  return set;
}

}  // namespace

at::Tensor lora_dropout_cuda(const at::Tensor &x, double p, uint64_t seed, uint64_t offset) {
  TORCH_CHECK(x.is_cuda(), "lora_dropout_cuda: x must be a CUDA tensor");
  c10::cuda::CUDAGuard guard(x.device());
  at::Tensor src = x.contiguous();
  at::Tensor dst = at::empty_like(src);
  bool known = dispatch_one(src.scalar_type(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    check_launch(cuda::launch_lora_dropout<T>(cptr<T>(src), mptr<T>(dst), src.numel(), make_dropout(p, seed), offset,
                                              stream_of(src)),
                 "lora_dropout");
  });
  TORCH_CHECK(known, "lora_dropout: unsupported dtype ", src.scalar_type());
  return dst;
}

std::vector<at::Tensor> lora_down_cuda(const at::Tensor &x, const std::vector<at::Tensor> &as, double p,
                                       uint64_t seed, const std::vector<uint64_t> &offsets) {
  check_common("lora_down_cuda", x, as, offsets);
  c10::cuda::CUDAGuard guard(x.device());
  at::Tensor x2 = x.contiguous();  // (N, in)
  const int64_t n = x2.size(0), in = x2.size(1);
  std::vector<at::Tensor> hs(as.size());
  for (auto [begin, end] : groups_of(as)) {
    const at::ScalarType tw = as[begin].scalar_type();
    // An activation dtype without a kernel for this adapter dtype is converted once, as PEFT does.
    at::Tensor xg = pair_supported(x2.scalar_type(), tw) ? x2 : x2.to(tw);
    std::vector<at::Tensor> keep;
    dispatch_pair(xg.scalar_type(), tw, [&](auto xt, auto wt) {
      using TX = typename decltype(xt)::type;
      using TW = typename decltype(wt)::type;
      AdapterSet<TW> set = make_set<TW>(as, offsets, begin, end, keep);
      for (size_t j = begin; j < end; j++) {
        hs[j] = at::empty({n, as[j].size(0)}, as[j].options());  // (N, r_j)
        set.out[j - begin] = mptr<TW>(hs[j]);
      }
      check_launch(cuda::launch_lora_down<TX, TW>(cptr<TX>(xg), n, in, set, make_dropout(p, seed), stream_of(xg)),
                   "lora_down");
    });
  }
  return hs;
}

std::vector<at::Tensor> lora_grad_a_cuda(const at::Tensor &x, const std::vector<at::Tensor> &gs,
                                         const std::vector<at::Tensor> &as, double p, uint64_t seed,
                                         const std::vector<uint64_t> &offsets) {
  check_common("lora_grad_a_cuda", x, as, offsets);
  TORCH_CHECK(gs.size() == as.size(), "lora_grad_a_cuda: one g per adapter");
  c10::cuda::CUDAGuard guard(x.device());
  at::Tensor x2 = x.contiguous();  // (N, in)
  const int64_t n = x2.size(0), in = x2.size(1);
  int sms = 0;
  check_launch(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, x.device().index()), "lora_grad_a (device query)");
  std::vector<at::Tensor> das(as.size());
  for (auto [begin, end] : groups_of(as)) {
    const at::ScalarType tw = as[begin].scalar_type();
    at::Tensor xg = pair_supported(x2.scalar_type(), tw) ? x2 : x2.to(tw);
    std::vector<at::Tensor> keep;
    dispatch_pair(xg.scalar_type(), tw, [&](auto xt, auto wt) {
      using TX = typename decltype(xt)::type;
      using TW = typename decltype(wt)::type;
      AdapterSet<TW> set = make_set<TW>(as, offsets, begin, end, keep);
      for (size_t j = begin; j < end; j++) {
        const at::Tensor &g0 = gs[j];
        TORCH_CHECK(g0.device() == x.device() && g0.dim() == 2 && g0.size(0) == n && g0.size(1) == as[j].size(0),
                    "lora_grad_a_cuda: g ", g0.sizes(), " does not match x ", x2.sizes(), " and A ", as[j].sizes());
        at::Tensor g = g0.to(tw).contiguous();  // (N, r_j)
        keep.push_back(g);
        set.g[j - begin] = cptr<TW>(g);
        das[j] = at::empty({as[j].size(0), in}, as[j].options());  // (r_j, in)
        set.out[j - begin] = mptr<TW>(das[j]);
      }
      const int splits = cuda::lora_grad_a_splits(n, set.total_r, in, sms);
      at::ScalarType acc = std::is_same_v<TW, double> ? at::kDouble : at::kFloat;
      at::Tensor workspace = at::empty({splits, set.total_r, in}, xg.options().dtype(acc));
      check_launch(cuda::launch_lora_grad_a<TX, TW>(cptr<TX>(xg), n, in, set, make_dropout(p, seed),
                                                    mptr<cuda::acc_t<TW>>(workspace), splits, stream_of(xg)),
                   "lora_grad_a");
    });
  }
  return das;
}

void lora_grad_x_add_cuda(at::Tensor &dx, const std::vector<at::Tensor> &gs, const std::vector<at::Tensor> &as,
                          double p, uint64_t seed, const std::vector<uint64_t> &offsets) {
  check_common("lora_grad_x_add_cuda", dx, as, offsets);
  TORCH_CHECK(dx.is_contiguous(), "lora_grad_x_add_cuda: dx must be contiguous");
  TORCH_CHECK(gs.size() == as.size(), "lora_grad_x_add_cuda: one g per adapter");
  c10::cuda::CUDAGuard guard(dx.device());
  const int64_t n = dx.size(0), in = dx.size(1);
  for (auto [begin, end] : groups_of(as)) {
    const at::ScalarType tw = as[begin].scalar_type();
    // A dx dtype without a kernel for this adapter dtype: accumulate in the adapter dtype, then add.
    const bool direct = pair_supported(dx.scalar_type(), tw);
    at::Tensor target = direct ? dx : at::zeros(dx.sizes(), dx.options().dtype(tw));
    std::vector<at::Tensor> keep;
    dispatch_pair(target.scalar_type(), tw, [&](auto dt, auto wt) {
      using TD = typename decltype(dt)::type;
      using TW = typename decltype(wt)::type;
      AdapterSet<TW> set = make_set<TW>(as, offsets, begin, end, keep);
      for (size_t j = begin; j < end; j++) {
        const at::Tensor &g0 = gs[j];
        TORCH_CHECK(g0.device() == dx.device() && g0.dim() == 2 && g0.size(0) == n && g0.size(1) == as[j].size(0),
                    "lora_grad_x_add_cuda: g ", g0.sizes(), " does not match dx ", dx.sizes(), " and A ",
                    as[j].sizes());
        at::Tensor g = g0.to(tw).contiguous();  // (N, r_j)
        keep.push_back(g);
        set.g[j - begin] = cptr<TW>(g);
      }
      check_launch(cuda::launch_lora_grad_x_add<TD, TW>(mptr<TD>(target), n, in, set, make_dropout(p, seed),
                                                        stream_of(target)),
                   "lora_grad_x_add");
    });
    if (!direct) dx.add_(target);
  }
}

}  // namespace l4j
