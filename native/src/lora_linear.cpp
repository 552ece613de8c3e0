// LoRA's forward and backward in fewer passes, and less saved state, than nn.Linear + nn.Dropout +
// two more Linears: the dropout mask is regenerated from Philox(seed, offset) in backward, so the
// only tensors saved are x (alive anyway), the adapters' weights, and h_j = D_j(x)·A_jᵀ (N × r).
#include "lora_linear.h"

#include <torch/autograd.h>

#include "cpu/cpu_gemm.h"
#include "cpu/lora_dropout_cpu.h"
#include "shim.h"
#ifdef L4J_WITH_CUDA_KERNELS
#include "cuda/lora_cuda.h"
#endif

namespace l4j {

at::Tensor lora_dropout(const at::Tensor &x, double p, uint64_t seed, uint64_t offset) {
  if (x.device().is_cpu()) return lora_dropout_cpu(x, p, seed, offset);
#ifdef L4J_WITH_CUDA_KERNELS
  if (x.is_cuda()) return lora_dropout_cuda(x, p, seed, offset);
#endif
  // No kernel for this device built in: the same mask, drawn on the CPU and moved (correct, not fast).
  at::Tensor ones = at::ones(x.sizes(), x.options().device(at::kCPU).dtype(at::kFloat));
  return x * lora_dropout_cpu(ones, p, seed, offset).to(x.device(), x.scalar_type());
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Settings {
  double p;
  uint64_t seed;
  uint64_t offset;
  bool dropout;  // training and p > 0
  std::vector<double> scales;
  std::vector<int64_t> out_sizes;
};

// Adapter j's dropout offset: consecutive adapters reading one x draw disjoint counters.
uint64_t adapter_offset(const Settings &s, size_t j, int64_t numel) {
  return s.offset + static_cast<uint64_t>(j) * static_cast<uint64_t>(numel);
}

// Whether the adapter's GEMMs may take the operand layouts MKL runs fastest: always on the CPU, where
// the layout matters: at r = 8, dyᵀ·h (out × N · N × r) takes ~15 ms at N = 4096, d = 768 where the
// same numbers as (hᵀ·dy)ᵀ take ~2.5 ms, and dy·B ~5.5 ms against (Bᵀ·dyᵀ)ᵀ's ~2 ms. The reduction
// order then differs from PEFT's (dy·B, dyᵀ·h, h·Bᵀ then ·s then +), so without dropout the results
// agree with PEFT's to rounding (LoraPeftParityTest: 1e-5 relative in float32), not bit for bit; the
// bit-exact layouts cost up to 10% of forward+backward at p = 0 (docs/PERFORMANCE.md).
bool fast_layouts(const at::Tensor &x2, const Settings &s) { return x2.device().is_cpu(); }

#ifdef L4J_WITH_CUDA_KERNELS
std::vector<uint64_t> adapter_offsets(const Settings &s, int64_t numel) {
  std::vector<uint64_t> offsets;
  for (size_t j = 0; j < s.scales.size(); j++) offsets.push_back(adapter_offset(s, j, numel));
  return offsets;
}

// Whether the CUDA kernels (cuda/lora_kernels.cu) take the adapters' x-side work: the masked down
// projection in forward, dA and the masked g·A into dx in backward. Without dropout the down
// projection is a plain GEMM, left to cuBLAS.
bool use_cuda_kernels(const at::Tensor &x2, const Settings &s) {
  return s.dropout && x2.is_cuda() && x2.numel() > 0;
}
#endif

// dA = gᵀ·D(x) and, when dx is given, dx += D(g·A) for one adapter on the CPU with dropout, drawing
// the mask once: g·A goes into a temporary (N, in), and one pass (lora_dropout_backward_cpu) adds its
// dropped values to dx while overwriting it with D(x) for dA's GEMM. The temporary is freed on return;
// nothing is kept between forward and backward.
at::Tensor grad_a_and_x_cpu(const at::Tensor &xa, const at::Tensor &g, const at::Tensor &a, at::Tensor *dx, double p,
                            uint64_t seed, uint64_t offset) {
  if (dx == nullptr) return at::matmul(g.t(), lora_dropout_cpu(xa, p, seed, offset));
  at::Tensor ga_then_xd = at::matmul(g, a);  // (N, in)
  if (dx->scalar_type() == ga_then_xd.scalar_type() && dx->is_contiguous()) {
    lora_dropout_backward_cpu(xa.contiguous(), ga_then_xd, *dx, p, seed, offset);
  } else {
    // dx in another dtype (a bf16 base under float32 adapters): D(g·A) is gathered in the adapter's
    // dtype (0 + v is exact) and added as the unfused path adds it, rounded to dx's dtype first.
    at::Tensor dropped_ga = at::zeros_like(ga_then_xd);
    lora_dropout_backward_cpu(xa.contiguous(), ga_then_xd, dropped_ga, p, seed, offset);
    dx->add_(dropped_ga.to(dx->scalar_type()));
  }
  return at::matmul(g.t(), ga_then_xd);  // (r, in) = gᵀ·D(x)
}

class LoraLinearFunction : public torch::autograd::Function<LoraLinearFunction> {
 public:
  // bias_list holds the bias or nothing (autograd cannot take an undefined tensor argument);
  // ab = [a_0, b_0, a_1, b_1, ...].
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w, at::TensorList bias_list,
                            at::TensorList ab, Settings settings) {
    std::optional<at::Tensor> bias = bias_list.empty() ? std::nullopt : std::optional<at::Tensor>(bias_list[0]);
    at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();  // (N, in)
    at::Tensor y = cpu_linear(x2, w, bias);  // (N, out); on the CPU through the faster GEMM library (cpu/cpu_gemm.h)
    std::vector<at::Tensor> saved{x2, w};
    const size_t count = settings.scales.size();
    // h_j = D_j(x)·A_jᵀ (N, r_j). The adapter runs in its own dtype (fp32 adapters over a bf16 base, as
    // PEFT casts x to lora_A's dtype), and its update is cast back to the output's.
    std::vector<at::Tensor> hs;
#ifdef L4J_WITH_CUDA_KERNELS
    if (use_cuda_kernels(x2, settings)) {
      std::vector<at::Tensor> as;
      for (size_t j = 0; j < count; j++) as.push_back(ab[2 * j]);
      // One pass over x for all adapters; the mask is applied as x is loaded, nothing (N, in) is made.
      hs = lora_down_cuda(x2, as, settings.p, settings.seed, adapter_offsets(settings, x2.numel()));
    }
#endif
    if (hs.empty()) {
      for (size_t j = 0; j < count; j++) {
        const at::Tensor &a = ab[2 * j];
        at::Tensor xa = x2.to(a.scalar_type());
        at::Tensor xd = settings.dropout ? lora_dropout(xa, settings.p, settings.seed, adapter_offset(settings, j, x2.numel())) : xa;
        hs.push_back(at::matmul(xd, a.t()));  // (N, r); xd is freed here, never saved
      }
    }
    int64_t row = 0;
    for (size_t j = 0; j < count; j++) {
      const at::Tensor &a = ab[2 * j];
      const at::Tensor &b = ab[2 * j + 1];
      const at::Tensor &h = hs[j];  // (N, r)
      int64_t out_j = settings.out_sizes[j];
      at::Tensor y_j = y.narrow(1, row, out_j);
      if (fast_layouts(x2, settings) && y.scalar_type() == h.scalar_type()) {
        y_j.addmm_(h, b.t(), 1.0, settings.scales[j]);  // y += s·h·Bᵀ inside the GEMM: no (N, out_j) temporary
      } else {
        at::Tensor update = at::matmul(h, b.t()).mul_(settings.scales[j]);  // (N, out_j)
        if (y.scalar_type() == update.scalar_type()) {
          y_j.add_(update);
        } else {
          y_j.copy_(y_j.to(update.scalar_type()).add_(update));  // add in the adapter's dtype, round once, as PEFT
        }
      }
      row += out_j;
      saved.push_back(a);
      saved.push_back(b);
      saved.push_back(h);
    }
    ctx->save_for_backward(saved);
    ctx->saved_data["has_bias"] = bias.has_value();
    ctx->saved_data["p"] = settings.p;
    ctx->saved_data["seed"] = static_cast<int64_t>(settings.seed);
    ctx->saved_data["offset"] = static_cast<int64_t>(settings.offset);
    ctx->saved_data["dropout"] = settings.dropout;
    ctx->saved_data["scales"] = c10::List<double>(settings.scales);
    ctx->saved_data["out_sizes"] = c10::List<int64_t>(settings.out_sizes);
    ctx->saved_data["x_sizes"] = c10::List<int64_t>(x.sizes().vec());
    std::vector<int64_t> y_sizes = x.sizes().vec();
    y_sizes.back() = w.size(0);
    return y.view(y_sizes);
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    variable_list saved = ctx->get_saved_variables();
    const at::Tensor &x2 = saved[0];  // (N, in)
    const at::Tensor &w = saved[1];   // (out, in)
    Settings s;
    s.p = ctx->saved_data["p"].toDouble();
    s.seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    s.offset = static_cast<uint64_t>(ctx->saved_data["offset"].toInt());
    s.dropout = ctx->saved_data["dropout"].toBool();
    s.scales = ctx->saved_data["scales"].toDoubleVector();
    s.out_sizes = ctx->saved_data["out_sizes"].toIntVector();
    std::vector<int64_t> x_sizes = ctx->saved_data["x_sizes"].toIntVector();

    at::Tensor dy = grad_outputs[0].reshape({-1, w.size(0)});  // (N, out)
    bool need_dx = ctx->needs_input_grad(0);
    at::Tensor dx = need_dx ? cpu_matmul_weight(dy, w) : at::Tensor();  // (N, in)
    at::Tensor dw = ctx->needs_input_grad(1) ? at::matmul(dy.t(), x2) : at::Tensor();  // (out, in)
    at::Tensor dbias = ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2) ? dy.sum(0) : at::Tensor();

    const size_t count = s.scales.size();
    std::vector<at::Tensor> as, gs, dbs;
    int64_t row = 0;
    for (size_t j = 0; j < count; j++) {
      const at::Tensor &a = saved[2 + 3 * j];  // (r, in)
      const at::Tensor &b = saved[3 + 3 * j];  // (out_j, r)
      const at::Tensor &h = saved[4 + 3 * j];  // (N, r)
      at::Tensor dy_j = dy.narrow(1, row, s.out_sizes[j]).to(a.scalar_type());  // (N, out_j)
      row += s.out_sizes[j];
      as.push_back(a);
      if (fast_layouts(x2, s)) {
        gs.push_back(at::matmul(b.t(), dy_j.t()).mul_(s.scales[j]).t());  // (N, r) = (s·Bᵀ·dyᵀ)ᵀ
        dbs.push_back(at::matmul(h.t(), dy_j).mul_(s.scales[j]).t());  // (out_j, r) = (s·hᵀ·dy)ᵀ
      } else {
        gs.push_back(at::matmul(dy_j, b).mul_(s.scales[j]));  // (N, r) = s·dy·B
        dbs.push_back(at::matmul(dy_j.t(), h).mul_(s.scales[j]));  // (out_j, r) = s·dyᵀ·h
      }
    }
    std::vector<at::Tensor> das;
#ifdef L4J_WITH_CUDA_KERNELS
    if (use_cuda_kernels(x2, s)) {
      // One pass over x for every dA_j (mask regenerated on load), and one read-modify-write of dx
      // adding every D_j(g_j·A_j): neither the masked x nor g·A is ever stored.
      std::vector<uint64_t> offsets = adapter_offsets(s, x2.numel());
      das = lora_grad_a_cuda(x2, gs, as, s.p, s.seed, offsets);
      if (need_dx) {
        dx = dx.contiguous();
        lora_grad_x_add_cuda(dx, gs, as, s.p, s.seed, offsets);
      }
    }
#endif
    if (das.empty()) {
      for (size_t j = 0; j < count; j++) {
        const at::Tensor &a = as[j];
        const at::Tensor &g = gs[j];
        uint64_t off = adapter_offset(s, j, x2.numel());
        at::Tensor xa = x2.to(a.scalar_type());
        if (s.dropout && xa.device().is_cpu()) {
          das.push_back(grad_a_and_x_cpu(xa, g, a, need_dx ? &dx : nullptr, s.p, s.seed, off));
          continue;
        }
        at::Tensor xd = s.dropout ? lora_dropout(xa, s.p, s.seed, off) : xa;  // regenerated mask
        das.push_back(at::matmul(g.t(), xd));  // (r, in) = gᵀ·D(x)
        if (need_dx) {
          at::Tensor ga = at::matmul(g, a);  // (N, in)
          dx.add_((s.dropout ? lora_dropout(ga, s.p, s.seed, off) : ga).to(dx.scalar_type()));  // D's backward: the same mask
        }
      }
    }
    variable_list dab;
    for (size_t j = 0; j < count; j++) {
      dab.push_back(das[j]);
      dab.push_back(dbs[j]);
    }
    // Gradients in forward's argument order, lists flattened: x, w, [bias], a_0, b_0, ..., settings.
    variable_list grads{need_dx ? dx.view(x_sizes) : at::Tensor(), dw};
    if (ctx->saved_data["has_bias"].toBool()) grads.push_back(dbias);
    grads.insert(grads.end(), dab.begin(), dab.end());
    grads.push_back(at::Tensor());
    return grads;
  }
};

void check_shapes(const at::Tensor &x, const at::Tensor &w, const at::Tensor &bias,
                  const std::vector<LoraAdapter> &adapters) {
  if (x.dim() < 1) throw ArgumentError("x must have at least one dimension");
  if (w.dim() != 2) throw ArgumentError("weight must be (out, in), got " + c10::str(w.sizes()));
  int64_t in = x.size(-1);
  if (w.size(1) != in) {
    throw ArgumentError("x has " + std::to_string(in) + " features but weight " + c10::str(w.sizes()) + " expects " +
                        std::to_string(w.size(1)));
  }
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != w.size(0))) {
    throw ArgumentError("bias " + c10::str(bias.sizes()) + " does not match weight " + c10::str(w.sizes()));
  }
  if (adapters.empty()) throw ArgumentError("at least one adapter is needed");
  int64_t total_out = 0;
  for (size_t j = 0; j < adapters.size(); j++) {
    const LoraAdapter &ad = adapters[j];
    std::string which = "adapter " + std::to_string(j) + ": ";
    if (ad.a.dim() != 2 || ad.b.dim() != 2) throw ArgumentError(which + "A and B must be 2-dimensional");
    int64_t r = ad.a.size(0);
    if (r < 1 || r > 256) throw ArgumentError(which + "rank must be in [1, 256], got " + std::to_string(r));
    if (ad.a.size(1) != in) throw ArgumentError(which + "A " + c10::str(ad.a.sizes()) + " does not read " + std::to_string(in) + " features");
    if (ad.b.size(1) != r) throw ArgumentError(which + "B " + c10::str(ad.b.sizes()) + " does not match rank " + std::to_string(r));
    if (!std::isfinite(ad.scale)) throw ArgumentError(which + "scale is not finite");
    total_out += ad.b.size(0);
  }
  if (total_out != w.size(0)) {
    throw ArgumentError("adapters' outputs sum to " + std::to_string(total_out) + " but the weight has " +
                        std::to_string(w.size(0)) + " rows");
  }
}

}  // namespace

at::Tensor lora_linear(const at::Tensor &x, const at::Tensor &w, const at::Tensor &bias,
                       const std::vector<LoraAdapter> &adapters, double p, uint64_t seed, uint64_t offset,
                       bool training) {
  check_shapes(x, w, bias, adapters);
  if (!(p >= 0.0 && p < 1.0)) throw ArgumentError("dropout probability must be in [0, 1), got " + std::to_string(p));
  Settings s{p, seed, offset, training && p > 0.0, {}, {}};
  std::vector<at::Tensor> ab;
  for (const LoraAdapter &ad : adapters) {
    ab.push_back(ad.a);
    ab.push_back(ad.b);
    s.scales.push_back(ad.scale);
    s.out_sizes.push_back(ad.b.size(0));
  }
  // As a TensorList (not a std::vector) so autograd counts A and B as inputs that need gradients.
  std::vector<at::Tensor> bias_list;
  if (bias.defined()) bias_list.push_back(bias);
  return LoraLinearFunction::apply(x, w, at::TensorList(bias_list), at::TensorList(ab), s);
}

namespace {

// The adapter half of LoraLinearFunction, over a given base output: saves x, A, B and h = D(x)·Aᵀ, and
// regenerates the mask in backward.
class LoraAddFunction : public torch::autograd::Function<LoraAddFunction> {
 public:
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &y, const at::Tensor &x, const at::Tensor &a,
                            const at::Tensor &b, Settings settings) {
    at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();  // (N, in)
    at::Tensor xa = x2.to(a.scalar_type());
    at::Tensor xd = settings.dropout ? lora_dropout(xa, settings.p, settings.seed, settings.offset) : xa;
    at::Tensor h = at::matmul(xd, a.t());  // (N, r)
    at::Tensor update = at::matmul(h, b.t()).mul_(settings.scales[0]);  // (N, out)
    at::Tensor y2 = y.reshape({-1, y.size(-1)});
    at::Tensor sum = y2.scalar_type() == update.scalar_type() ? y2 + update
                                                              : (y2.to(update.scalar_type()) + update).to(y2.scalar_type());
    ctx->save_for_backward({x2, a, b, h});
    ctx->saved_data["p"] = settings.p;
    ctx->saved_data["seed"] = static_cast<int64_t>(settings.seed);
    ctx->saved_data["offset"] = static_cast<int64_t>(settings.offset);
    ctx->saved_data["dropout"] = settings.dropout;
    ctx->saved_data["scale"] = settings.scales[0];
    ctx->saved_data["x_sizes"] = c10::List<int64_t>(x.sizes().vec());
    return sum.view(y.sizes());
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    variable_list saved = ctx->get_saved_variables();
    const at::Tensor &x2 = saved[0];
    const at::Tensor &a = saved[1];
    const at::Tensor &b = saved[2];
    const at::Tensor &h = saved[3];
    double p = ctx->saved_data["p"].toDouble();
    uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    uint64_t offset = static_cast<uint64_t>(ctx->saved_data["offset"].toInt());
    bool dropout = ctx->saved_data["dropout"].toBool();
    double scale = ctx->saved_data["scale"].toDouble();
    std::vector<int64_t> x_sizes = ctx->saved_data["x_sizes"].toIntVector();
    at::Tensor dout = grad_outputs[0];
    at::Tensor dy = dout.reshape({-1, b.size(0)}).to(a.scalar_type());  // (N, out)
    at::Tensor g = at::matmul(dy, b).mul_(scale);  // (N, r)
    at::Tensor db = at::matmul(dy.t(), h).mul_(scale);  // (out, r)
    at::Tensor xa = x2.to(a.scalar_type());
    at::Tensor xd = dropout ? lora_dropout(xa, p, seed, offset) : xa;  // the forward's mask, regenerated
    at::Tensor da = at::matmul(g.t(), xd);  // (r, in)
    at::Tensor dx;
    if (ctx->needs_input_grad(1)) {
      at::Tensor ga = at::matmul(g, a);  // (N, in)
      dx = (dropout ? lora_dropout(ga, p, seed, offset) : ga).to(x2.scalar_type()).view(x_sizes);
    }
    return {dout, dx, da, db, at::Tensor()};
  }
};

}  // namespace

at::Tensor lora_add(const at::Tensor &y, const at::Tensor &x, const LoraAdapter &adapter, double p, uint64_t seed,
                    uint64_t offset, bool training) {
  if (x.dim() < 1 || y.dim() < 1) throw ArgumentError("x and y must have at least one dimension");
  if (!(p >= 0.0 && p < 1.0)) throw ArgumentError("dropout probability must be in [0, 1), got " + std::to_string(p));
  const at::Tensor &a = adapter.a;
  const at::Tensor &b = adapter.b;
  if (a.dim() != 2 || b.dim() != 2) throw ArgumentError("A and B must be 2-dimensional");
  int64_t r = a.size(0);
  if (r < 1 || r > 256) throw ArgumentError("rank must be in [1, 256], got " + std::to_string(r));
  if (a.size(1) != x.size(-1)) throw ArgumentError("A " + c10::str(a.sizes()) + " does not read x's " + std::to_string(x.size(-1)) + " features");
  if (b.size(1) != r) throw ArgumentError("B " + c10::str(b.sizes()) + " does not match rank " + std::to_string(r));
  if (b.size(0) != y.size(-1)) throw ArgumentError("B " + c10::str(b.sizes()) + " does not write y's " + std::to_string(y.size(-1)) + " features");
  if (x.numel() / x.size(-1) != y.numel() / y.size(-1)) {
    throw ArgumentError("x " + c10::str(x.sizes()) + " and y " + c10::str(y.sizes()) + " have different row counts");
  }
  if (!std::isfinite(adapter.scale)) throw ArgumentError("scale is not finite");
  Settings s{p, seed, offset, training && p > 0.0, {adapter.scale}, {b.size(0)}};
  return LoraAddFunction::apply(y, x, a, b, s);
}

}  // namespace l4j
