// GPU check of the fused LoRA op's CUDA kernels (run by scripts/gpu-check.sh; needs a CUDA device).
//
//   1. dropout: the CUDA mask equals the CPU mask bit for bit (l4j_lora_dropout on both devices), for
//      every kernel dtype, several seeds / offsets (offsets past 2^32 included) and sizes that are not
//      multiples of 4;
//   2. l4j_lora_linear(_grouped) forward and backward (y and the x, W, bias, A_j, B_j gradients) on
//      CUDA against the same op on the CPU, in float64 (normalised error <= 1e-10), for single and
//      grouped adapters, unaligned widths, ranks up to 256, more adapters than one launch takes, and
//      the no-dropout / eval paths;
//   3. float32, bf16 (fp32 adapters, as PEFT), bf16 and fp16 on CUDA against the float64 CPU op on the
//      same (rounded) inputs, with the tolerances in the table;
//   4. peak CUDA memory (c10 allocator stats) of forward + backward against the unfused composite
//      linear + dropout + two linears with autograd: the fused op must save at least the dropout mask
//      plus the dropped x (both kept by the composite until backward);
//   5. timings of the fused op and the composite (informational, no pass/fail; --no-bench skips).
//
// The op is called through the C ABI (lora4j.h); inputs and references are made with ATen. Handles
// for inputs are built on the stack from shim.h's l4j_tensor_s (the library only reads them).
// Prints a results table and "N passed, N failed"; exits 1 on any failure, 2 without a CUDA device.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>

#include "lora4j.h"
#include "shim.h"

namespace {

int g_passed = 0, g_failed = 0;

void report(const std::string &name, const std::string &measured, const std::string &limit, bool ok) {
  std::printf("| %-58s | %-26s | %-16s | %-4s |\n", name.c_str(), measured.c_str(), limit.c_str(), ok ? "ok" : "FAIL");
  std::fflush(stdout);
  (ok ? g_passed : g_failed)++;
}

std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void check_status(int rc, const char *what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + l4j_last_error());
}

at::Generator g_gen = at::detail::createCPUGenerator(20240611);

at::Tensor randn(at::IntArrayRef shape, double scale = 1.0) {
  return at::randn(shape, g_gen, at::TensorOptions().dtype(at::kDouble)).mul_(scale);
}

at::Device cuda0() { return at::Device(at::kCUDA, 0); }

// ---- the op through the C ABI ----------------------------------------------------------------------

at::Tensor lora_dropout(const at::Tensor &x, double p, uint64_t seed, uint64_t offset) {
  l4j_tensor_s hx{x};
  l4j_tensor out = nullptr;
  check_status(l4j_lora_dropout(&hx, p, seed, offset, &out), "l4j_lora_dropout");
  at::Tensor y = out->tensor;
  l4j_tensor_free(out);
  return y;
}

struct Params {
  at::Tensor x, w, bias;          // bias may be undefined
  std::vector<at::Tensor> a, b;   // A_j (r_j, in), B_j (out_j, r_j)
  std::vector<double> scales;
};

at::Tensor lora_linear(const Params &q, double p, uint64_t seed, uint64_t offset, bool training) {
  l4j_tensor_s hx{q.x}, hw{q.w}, hbias{q.bias};
  std::vector<l4j_tensor_s> ha, hb;
  for (size_t j = 0; j < q.a.size(); j++) {
    ha.push_back(l4j_tensor_s{q.a[j]});
    hb.push_back(l4j_tensor_s{q.b[j]});
  }
  std::vector<l4j_tensor> pa, pb;
  for (size_t j = 0; j < q.a.size(); j++) {
    pa.push_back(&ha[j]);
    pb.push_back(&hb[j]);
  }
  l4j_tensor out = nullptr;
  check_status(l4j_lora_linear_grouped(&hx, &hw, q.bias.defined() ? &hbias : nullptr, static_cast<int64_t>(q.a.size()),
                                       pa.data(), pb.data(), q.scales.data(), p, seed, offset, training ? 1 : 0, &out),
               "l4j_lora_linear_grouped");
  at::Tensor y = out->tensor;
  l4j_tensor_free(out);
  return y;
}

// Leaves on `device` with dtypes (base for x, w, bias; adapter for A, B) that require grad.
Params leaves(const Params &src, at::Device device, at::ScalarType base, at::ScalarType adapter) {
  auto leaf = [&](const at::Tensor &t, at::ScalarType dt) {
    return t.defined() ? t.to(device, dt).detach().requires_grad_(true) : at::Tensor();
  };
  Params q;
  q.x = leaf(src.x, base);
  q.w = leaf(src.w, base);
  q.bias = leaf(src.bias, base);
  for (size_t j = 0; j < src.a.size(); j++) {
    q.a.push_back(leaf(src.a[j], adapter));
    q.b.push_back(leaf(src.b[j], adapter));
  }
  q.scales = src.scales;
  return q;
}

// y and every gradient, as float64 CPU tensors, names alongside.
struct Outputs {
  std::vector<std::string> names;
  std::vector<at::Tensor> values;
};

Outputs run_op(const Params &q, const at::Tensor &dy, double p, uint64_t seed, uint64_t offset, bool training) {
  at::Tensor y = lora_linear(q, p, seed, offset, training);
  torch::autograd::backward({y}, {dy.to(y.device(), y.scalar_type())});
  Outputs o;
  auto add = [&](const std::string &name, const at::Tensor &t) {
    o.names.push_back(name);
    o.values.push_back(t.defined() ? t.detach().to(at::kCPU, at::kDouble) : at::Tensor());
  };
  add("y", y);
  add("dx", q.x.grad());
  add("dW", q.w.grad());
  if (q.bias.defined()) add("dbias", q.bias.grad());
  for (size_t j = 0; j < q.a.size(); j++) {
    add("dA" + std::to_string(j), q.a[j].grad());
    add("dB" + std::to_string(j), q.b[j].grad());
  }
  return o;
}

// max |a - b| / max |ref|, the worst over all outputs; the name of the worst in `worst`.
double compare(const Outputs &got, const Outputs &ref, std::string &worst) {
  double max_err = 0;
  for (size_t i = 0; i < ref.values.size(); i++) {
    if (!got.values[i].defined() || !ref.values[i].defined()) {
      worst = ref.names[i] + " missing";
      return INFINITY;
    }
    double denom = std::max(ref.values[i].abs().max().item<double>(), 1e-300);
    double err = (got.values[i] - ref.values[i]).abs().max().item<double>() / denom;
    if (!(err <= max_err)) {  // NaN-safe
      max_err = err;
      worst = ref.names[i];
    }
  }
  return max_err;
}

// ---- 1. dropout masks ------------------------------------------------------------------------------

void test_dropout_masks() {
  const std::vector<int64_t> sizes{1, 3, 4, 5, 17, 1023, 4097, (1 << 20) + 3};
  const std::vector<std::pair<uint64_t, uint64_t>> draws{
      {0, 0}, {42, 7}, {1234, 3}, {0xDEADBEEFCAFEull, (1ull << 33) + 5}};
  const std::vector<double> ps{0.1, 0.5};
  for (at::ScalarType dt : {at::kFloat, at::kDouble, at::kBFloat16, at::kHalf}) {
    int cases = 0;
    int64_t mismatches = 0;
    for (int64_t n : sizes) {
      at::Tensor x = (randn({n}).abs_() + 0.5).to(dt);
      at::Tensor xg = x.to(cuda0());
      for (auto [seed, offset] : draws) {
        for (double p : ps) {
          at::Tensor cpu = lora_dropout(x, p, seed, offset);
          at::Tensor gpu = lora_dropout(xg, p, seed, offset).cpu();
          // Bit for bit: compare the raw bytes, not the values.
          bool same = cpu.numel() == gpu.numel() &&
                      std::memcmp(cpu.const_data_ptr(), gpu.const_data_ptr(), cpu.nbytes()) == 0;
          if (!same) mismatches += cpu.ne(gpu).sum().item<int64_t>() + (cpu.numel() != gpu.numel());
          cases++;
        }
      }
    }
    report(std::string("dropout mask CUDA == CPU, ") + c10::toString(dt) + " (" + std::to_string(cases) + " draws)",
           std::to_string(mismatches) + " elements differ", "0", mismatches == 0);
  }
}

// ---- 2./3. the op, CUDA against CPU -----------------------------------------------------------------

struct Config {
  std::string name;
  std::vector<int64_t> x_shape;  // (..., in)
  std::vector<int64_t> ranks;
  std::vector<int64_t> outs;
  bool bias;
  double p;
  bool training;
};

Params make_params(const Config &c) {
  int64_t in = c.x_shape.back(), out = 0;
  for (int64_t o : c.outs) out += o;
  Params q;
  q.x = randn(c.x_shape);
  q.w = randn({out, in}, 1.0 / std::sqrt(static_cast<double>(in)));
  if (c.bias) q.bias = randn({out}, 0.1);
  for (size_t j = 0; j < c.ranks.size(); j++) {
    q.a.push_back(randn({c.ranks[j], in}, 1.0 / std::sqrt(static_cast<double>(in))));
    q.b.push_back(randn({c.outs[j], c.ranks[j]}, 1.0 / std::sqrt(static_cast<double>(c.ranks[j]))));
    q.scales.push_back(j % 2 == 0 ? 2.0 : 0.5);
  }
  return q;
}

at::Tensor make_dy(const Config &c) {
  std::vector<int64_t> shape = c.x_shape;
  int64_t out = 0;
  for (int64_t o : c.outs) out += o;
  shape.back() = out;
  return randn(shape);
}

const std::vector<Config> &configs() {
  static const std::vector<Config> all{
      {"1 adapter r=8, x (3,37,200), in % 4 != 0", {3, 37, 200}, {8}, {96}, true, 0.1, true},
      {"q,v adapters r=16,16, x (130,256)", {130, 256}, {16, 16}, {64, 64}, false, 0.2, true},
      {"3 adapters r=4,40,7, x (257,77)", {257, 77}, {4, 40, 7}, {30, 20, 10}, true, 0.3, true},
      {"5 adapters (two launches), x (64,64)", {64, 64}, {8, 8, 8, 8, 8}, {8, 8, 8, 8, 8}, true, 0.1, true},
      {"r=256, x (50,96), p=0.5", {50, 96}, {256}, {32}, true, 0.5, true},
      {"split-K dA: x (4096,512), r=16", {4096, 512}, {16}, {128}, true, 0.1, true},
      {"one token, x (1,33)", {1, 33}, {3}, {5}, true, 0.25, true},
      {"p=0 (cuBLAS path), x (70,64)", {70, 64}, {8}, {40}, true, 0.0, true},
      {"eval (training=0), x (70,64)", {70, 64}, {8, 8}, {20, 20}, true, 0.1, false},
  };
  return all;
}

void test_float64() {
  uint64_t seed = 7;
  for (const Config &c : configs()) {
    Params src = make_params(c);
    at::Tensor dy = make_dy(c);
    uint64_t offset = 1000 + seed;
    Outputs ref = run_op(leaves(src, at::kCPU, at::kDouble, at::kDouble), dy, c.p, seed, offset, c.training);
    Outputs got = run_op(leaves(src, cuda0(), at::kDouble, at::kDouble), dy, c.p, seed, offset, c.training);
    std::string worst;
    double err = compare(got, ref, worst);
    report("f64 CUDA vs CPU: " + c.name, fmt("%.2e", err) + " (" + worst + ")", "<= 1e-10", err <= 1e-10);
    seed += 11;
  }
}

void test_low_precision() {
  struct Precision {
    const char *name;
    at::ScalarType base, adapter;
    double tolerance;
  };
  const Precision precisions[] = {
      {"f32", at::kFloat, at::kFloat, 1e-4},
      {"bf16 + f32 adapters", at::kBFloat16, at::kFloat, 2e-2},
      {"bf16", at::kBFloat16, at::kBFloat16, 3e-2},
      {"f16", at::kHalf, at::kHalf, 5e-3},
  };
  // Three shapes per precision: single, grouped, unaligned.
  const std::vector<Config> &all = configs();
  const Config *picked[] = {&all[0], &all[1], &all[2], &all[5]};
  for (const Precision &pr : precisions) {
    uint64_t seed = 99;
    for (const Config *c : picked) {
      Params src = make_params(*c);
      at::Tensor dy = make_dy(*c);
      // The reference sees the inputs exactly as the low-precision run does (rounded), in float64.
      Params rounded = leaves(src, at::kCPU, pr.base, pr.adapter);
      Outputs ref = run_op(leaves(rounded, at::kCPU, at::kDouble, at::kDouble), dy.to(pr.base).to(at::kDouble), c->p,
                           seed, 5, c->training);
      Outputs got = run_op(leaves(src, cuda0(), pr.base, pr.adapter), dy.to(pr.base), c->p, seed, 5, c->training);
      std::string worst;
      double err = compare(got, ref, worst);
      report(std::string(pr.name) + " CUDA vs f64 CPU: " + c->name, fmt("%.2e", err) + " (" + worst + ")",
             fmt("<= %.0e", pr.tolerance), err <= pr.tolerance);
      seed += 3;
    }
  }
}

// ---- 4. memory ------------------------------------------------------------------------------------

int64_t allocated() {
  int64_t v = 0;
  check_status(l4j_cuda_memory_allocated(0, &v), "memory_allocated");
  return v;
}
int64_t peak() {
  int64_t v = 0;
  check_status(l4j_cuda_max_memory_allocated(0, &v), "max_memory_allocated");
  return v;
}

struct MemoryUse {
  int64_t after_forward;  // bytes held after forward, above the inputs (what backward keeps)
  int64_t peak;           // peak bytes during forward + backward, above the inputs
};

void clear_grads(const Params &q) {
  for (const at::Tensor &t : {q.x, q.w, q.bias}) {
    if (t.defined()) t.mutable_grad() = at::Tensor();
  }
  for (size_t j = 0; j < q.a.size(); j++) {
    q.a[j].mutable_grad() = at::Tensor();
    q.b[j].mutable_grad() = at::Tensor();
  }
}

// Forward + backward of f on q; memory measured above what is allocated before the call.
MemoryUse measure(const Params &q, const at::Tensor &dy, const std::function<at::Tensor()> &f) {
  clear_grads(q);
  check_status(l4j_cuda_synchronize(0), "synchronize");
  const int64_t base = allocated();
  check_status(l4j_cuda_reset_peak_memory(0), "reset_peak_memory");
  MemoryUse m{};
  {
    at::Tensor y = f();
    check_status(l4j_cuda_synchronize(0), "synchronize");
    m.after_forward = allocated() - base;
    torch::autograd::backward({y}, {dy});
    check_status(l4j_cuda_synchronize(0), "synchronize");
  }
  m.peak = peak() - base;
  clear_grads(q);
  return m;
}

// The unfused composite PEFT runs: linear + dropout + two linears, autograd keeping the mask and the
// dropped x for backward.
at::Tensor composite(const Params &q, double p) {
  at::Tensor y = at::linear(q.x, q.w, q.bias);
  at::Tensor xd = at::dropout(q.x.to(q.a[0].scalar_type()), p, /*train=*/true);
  at::Tensor u = at::linear(at::linear(xd, q.a[0]), q.b[0]).mul(q.scales[0]);
  return y + u.to(y.scalar_type());
}

void test_memory() {
  struct Case {
    const char *name;
    at::ScalarType base, adapter;
  };
  const Case cases[] = {{"f32", at::kFloat, at::kFloat}, {"bf16 + f32 adapters", at::kBFloat16, at::kFloat}};
  const int64_t n = 4096, in = 1024, out = 1024, r = 16;
  const double p = 0.1;
  for (const Case &cs : cases) {
    Config c{"memory", {n, in}, {r}, {out}, true, p, true};
    Params q = leaves(make_params(c), cuda0(), cs.base, cs.adapter);
    at::Tensor dy = make_dy(c).to(cuda0(), cs.base);
    auto fused_op = [&] { return lora_linear(q, p, 1, 0, true); };
    auto composite_op = [&] { return composite(q, p); };
    // Once each first, so cuBLAS workspaces and other one-off allocations are not counted.
    measure(q, dy, fused_op);
    measure(q, dy, composite_op);
    MemoryUse fused = measure(q, dy, fused_op);
    MemoryUse comp = measure(q, dy, composite_op);
    // The composite keeps a bool mask (1 byte) and the dropped x (adapter dtype) per element of x.
    const int64_t expected = n * in * (1 + static_cast<int64_t>(c10::elementSize(cs.adapter)));
    const double mib = 1024.0 * 1024.0;
    std::printf("|   memory %-19s fused: after forward %8.1f MiB, peak %8.1f MiB; composite: %8.1f MiB, %8.1f MiB\n",
                cs.name, fused.after_forward / mib, fused.peak / mib, comp.after_forward / mib, comp.peak / mib);
    report(std::string("memory after forward saved, ") + cs.name + " (4096x1024, r=16)",
           fmt("%.1f MiB", (comp.after_forward - fused.after_forward) / mib), fmt(">= %.1f MiB", expected / mib),
           comp.after_forward - fused.after_forward >= expected);
    report(std::string("peak memory saved fwd+bwd, ") + cs.name + " (4096x1024, r=16)",
           fmt("%.1f MiB", (comp.peak - fused.peak) / mib), fmt(">= %.1f MiB", expected / mib),
           comp.peak - fused.peak >= expected);
  }
}

// ---- 5. timings -----------------------------------------------------------------------------------

double time_ms(const Params &q, const at::Tensor &dy, const std::function<at::Tensor()> &f, int iters) {
  for (int i = 0; i < 3; i++) {
    torch::autograd::backward({f()}, {dy});
  }
  check_status(l4j_cuda_synchronize(0), "synchronize");
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; i++) {
    torch::autograd::backward({f()}, {dy});
  }
  check_status(l4j_cuda_synchronize(0), "synchronize");
  auto t1 = std::chrono::steady_clock::now();
  clear_grads(q);
  return std::chrono::duration<double, std::milli>(t1 - t0).count() / iters;
}

void bench() {
  std::printf("\nTimings (forward + backward, ms per step; informational):\n");
  std::printf("| %-44s | %10s | %10s | %7s |\n", "shape", "fused", "composite", "ratio");
  struct Shape {
    int64_t n, in, out, r;
    at::ScalarType base, adapter;
  };
  const Shape shapes[] = {{4096, 1024, 1024, 16, at::kFloat, at::kFloat},
                          {8192, 4096, 4096, 16, at::kBFloat16, at::kFloat},
                          {8192, 4096, 4096, 64, at::kBFloat16, at::kBFloat16}};
  for (const Shape &s : shapes) {
    Config c{"bench", {s.n, s.in}, {s.r}, {s.out}, false, 0.1, true};
    Params q = leaves(make_params(c), cuda0(), s.base, s.adapter);
    at::Tensor dy = make_dy(c).to(cuda0(), s.base);
    double fused = time_ms(q, dy, [&] { return lora_linear(q, 0.1, 1, 0, true); }, 20);
    double comp = time_ms(q, dy, [&] { return composite(q, 0.1); }, 20);
    char name[96];
    std::snprintf(name, sizeof name, "N=%ld in=%ld out=%ld r=%ld %s/%s", static_cast<long>(s.n), static_cast<long>(s.in),
                  static_cast<long>(s.out), static_cast<long>(s.r), c10::toString(s.base), c10::toString(s.adapter));
    std::printf("| %-44s | %10.3f | %10.3f | %6.2fx |\n", name, fused, comp, comp / fused);
  }
}

}  // namespace

int main(int argc, char **argv) {
  bool run_bench = true;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--no-bench") == 0) run_bench = false;
  }
  int32_t devices = 0;
  check_status(l4j_cuda_device_count(&devices), "cuda_device_count");
  if (devices == 0) {
    std::printf("no CUDA device visible: nothing to check\n");
    return 2;
  }
  std::printf("lora4j CUDA check: libtorch %s, %d device(s)\n\n", l4j_torch_version(), devices);
  std::printf("| %-58s | %-26s | %-16s | %-4s |\n", "check", "measured", "limit", "");
  std::printf("|%s|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(28, '-').c_str(),
              std::string(18, '-').c_str(), std::string(6, '-').c_str());
  const std::pair<const char *, void (*)()> sections[] = {
      {"dropout masks", test_dropout_masks},
      {"float64 CUDA vs CPU", test_float64},
      {"low precision vs float64", test_low_precision},
      {"memory", test_memory},
  };
  for (auto [name, fn] : sections) {
    try {
      fn();
    } catch (const std::exception &e) {
      report(std::string(name) + ": exception", e.what(), "none", false);
    }
  }
  if (run_bench) {
    try {
      bench();
    } catch (const std::exception &e) {
      std::printf("timings failed: %s\n", e.what());
    }
  }
  std::printf("\n%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
