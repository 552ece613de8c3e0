// See cpu_gemm.h. oneDNN is reached through the operator libtorch registers for it
// (mkldnn::_linear_pointwise, what inductor's CPU backend calls), by the dispatcher's boxed call, so a
// libtorch without it (or with another signature) falls back to ATen instead of failing to load.
#include "cpu/cpu_gemm.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/autograd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>

#include "shim.h"

namespace l4j {

namespace {

const c10::OperatorHandle *onednn_op() {
  static const c10::OperatorHandle *op = []() -> const c10::OperatorHandle * {
    if (!at::hasMKLDNN()) return nullptr;
    auto handle = c10::Dispatcher::singleton().findSchema({"mkldnn::_linear_pointwise", ""});
    return handle.has_value() ? new c10::OperatorHandle(*handle) : nullptr;  // lives for the process
  }();
  return op;
}

// oneDNN keeps every product shape it has run in two caches of 1,024 entries each: its own primitive cache
// and ideep's (the C++ layer libtorch calls it through). A cached entry holds memory that grows with the
// product (about 9 MiB at 1,000 rows x 1,024 outputs), so a training run whose batches keep bringing new
// row counts (the padding-free forward gives nearly every batch its own) grew by gigabytes. A training
// step runs about 14 distinct shapes, so 32 entries keep one batch's products and the next one's while
// bounding the memory. Both libraries read their variable once, when first used, so this runs when
// liblora4j loads; a value the user set is kept. Applies to every oneDNN call in the process, including
// the bfloat16 products ATen itself sends to oneDNN. (docs/PERFORMANCE.md, "CPU GEMM library".)
const struct BoundOnednnCaches {
  BoundOnednnCaches() {
    setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "32", /*overwrite=*/0);
    setenv("LRU_CACHE_CAPACITY", "32", /*overwrite=*/0);
  }
} bound_onednn_caches;

at::Tensor onednn_linear(const at::Tensor &x2, const at::Tensor &w, const std::optional<at::Tensor> &bias) {
  torch::jit::Stack stack;
  stack.emplace_back(x2);
  stack.emplace_back(w);
  stack.emplace_back(bias.has_value() ? c10::IValue(*bias) : c10::IValue());
  stack.emplace_back(std::string("none"));
  stack.emplace_back(c10::List<std::optional<at::Scalar>>());
  stack.emplace_back(c10::IValue());
  onednn_op()->callBoxed(&stack);
  return stack.back().toTensor();
}

// The library in use: -1 until first asked, then 0 (ATen) or 1 (oneDNN). Decided once per process from
// LORA4J_CPU_GEMM (unset or "auto": by measuring both); cpu_gemm_select can change it (a resumed training
// run restores the library its checkpoint was written with, data-parallel ranks take rank 0's).
std::atomic<int> chosen{-1};
std::mutex choosing;

double best_ms(const std::function<void()> &product) {
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = std::chrono::steady_clock::now();
    product();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// Times the two products a frozen linear layer runs (x·wᵀ forward, dy·w for the input gradient) at a T5
// projection's width under the current thread count, through both libraries, best of five each after a
// warm-up, in three interleaved rounds. oneDNN is chosen only when it is >= 5% faster, so that on a CPU
// where the two are equal the choice does not flip between processes on noise (where it still can, a
// resumed run restores its checkpoint's library). Constant inputs: no random stream is consumed.
bool onednn_measured_faster() {
  at::Tensor x = at::full({512, 1024}, 0.25f);
  at::Tensor w = at::full({1024, 1024}, 0.5f);
  auto aten = [&] { at::linear(x, w); at::matmul(x, w); };
  auto onednn = [&] { onednn_linear(x, w, std::nullopt); onednn_linear(x, w.t(), std::nullopt); };
  aten();
  onednn();
  double aten_ms = 0, onednn_ms = 0;
  for (int round = 0; round < 3; ++round) {  // interleaved, so a burst of load hits both
    aten_ms += best_ms(aten);
    onednn_ms += best_ms(onednn);
  }
  return onednn_ms < 0.95 * aten_ms;
}

int decide() {
  const char *env = std::getenv("LORA4J_CPU_GEMM");
  std::string asked = env == nullptr ? "" : env;
  if (asked == "aten") return 0;
  if (asked == "onednn") return onednn_op() != nullptr ? 1 : 0;
  if (!asked.empty() && asked != "auto") {
    throw ArgumentError("LORA4J_CPU_GEMM must be aten, onednn or auto, got '" + asked + "'");
  }
  return onednn_op() != nullptr && onednn_measured_faster() ? 1 : 0;
}

bool use_onednn() {
  int c = chosen.load(std::memory_order_acquire);
  if (c < 0) {
    std::lock_guard<std::mutex> lock(choosing);
    c = chosen.load(std::memory_order_relaxed);
    if (c < 0) {
      c = decide();
      chosen.store(c, std::memory_order_release);
    }
  }
  return c == 1;
}

bool onednn_applies(const at::Tensor &a, const at::Tensor &w) {
  return a.device().is_cpu() && w.device().is_cpu() && a.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat &&
         a.dim() == 2 && w.dim() == 2 && a.is_contiguous() && use_onednn();
}

class FrozenLinearFunction : public torch::autograd::Function<FrozenLinearFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w,
                            at::TensorList bias_list) {
    std::optional<at::Tensor> bias = bias_list.empty() ? std::nullopt : std::optional<at::Tensor>(bias_list[0]);
    at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();
    at::Tensor y = cpu_linear(x2, w, bias);
    ctx->save_for_backward({w});
    ctx->saved_data["bias"] = !bias_list.empty();
    std::vector<int64_t> y_sizes = x.sizes().vec();
    y_sizes.back() = w.size(0);
    return y.view(y_sizes);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    at::Tensor w = ctx->get_saved_variables()[0];
    const at::Tensor &dy = grad_outputs[0];
    at::Tensor dx;
    if (ctx->needs_input_grad(0)) {
      std::vector<int64_t> x_sizes = dy.sizes().vec();
      x_sizes.back() = w.size(1);
      dx = cpu_matmul_weight(dy.reshape({-1, w.size(0)}).contiguous(), w).view(x_sizes);
    }
    return {dx, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor cpu_linear(const at::Tensor &x2, const at::Tensor &w, const std::optional<at::Tensor> &bias) {
  if (onednn_applies(x2, w) && (!bias.has_value() || bias->scalar_type() == at::kFloat)) return onednn_linear(x2, w, bias);
  return at::linear(x2, w, bias);
}

at::Tensor cpu_matmul_weight(const at::Tensor &dy, const at::Tensor &w) {
  if (onednn_applies(dy, w)) return onednn_linear(dy, w.t(), std::nullopt);
  return at::matmul(dy, w);
}

at::Tensor frozen_linear(const at::Tensor &x, const at::Tensor &w, const std::optional<at::Tensor> &bias) {
  bool frozen = !w.requires_grad() && !(bias.has_value() && bias->requires_grad());
  bool cpu_f32 = x.device().is_cpu() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat && w.dim() == 2 &&
                 x.dim() >= 1 && x.size(-1) == w.size(1);
  if (!frozen || !cpu_f32 || !use_onednn()) return at::linear(x, w, bias);
  std::vector<at::Tensor> bias_list;
  if (bias.has_value()) bias_list.push_back(*bias);
  return FrozenLinearFunction::apply(x, w, bias_list);
}

int cpu_gemm_uses_onednn() { return use_onednn() ? 1 : 0; }

void cpu_gemm_select(int library) {
  if (library != 0 && library != 1) throw ArgumentError("CPU GEMM library must be 0 (aten) or 1 (onednn), got " + std::to_string(library));
  if (library == 1 && onednn_op() == nullptr) throw ArgumentError("this libtorch has no oneDNN linear operator (mkldnn::_linear_pointwise)");
  std::lock_guard<std::mutex> lock(choosing);
  chosen.store(library, std::memory_order_release);
}

}  // namespace l4j
