// C entry points of the fused LoRA op (lora_linear.cpp) and of its Philox dropout.
#include "lora_linear.h"
#include "philox.h"
#include "shim.h"

using namespace l4j;

namespace {
std::vector<LoraAdapter> adapters_from(int64_t n, const l4j_tensor *as, const l4j_tensor *bs, const double *scales) {
  if (n < 1) throw ArgumentError("at least one adapter is needed");
  if (as == nullptr || bs == nullptr || scales == nullptr) throw ArgumentError("null adapter list");
  std::vector<LoraAdapter> adapters;
  for (int64_t j = 0; j < n; j++) {
    if (as[j] == nullptr || bs[j] == nullptr) throw ArgumentError("null A or B handle for adapter " + std::to_string(j));
    adapters.push_back(LoraAdapter{as[j]->tensor, bs[j]->tensor, scales[j]});
  }
  return adapters;
}
}  // namespace

extern "C" {

int l4j_lora_linear(l4j_tensor x, l4j_tensor w, l4j_tensor bias, l4j_tensor a, l4j_tensor b, double scale, double p,
                    uint64_t seed, uint64_t offset, int32_t training, l4j_tensor *out) {
  return guarded("lora_linear", [&] {
    require_out(out, "out");
    std::vector<LoraAdapter> adapters{LoraAdapter{get(a, "a"), get(b, "b"), scale}};
    at::Tensor bias_t = bias == nullptr ? at::Tensor() : bias->tensor;
    emit(lora_linear(get(x, "x"), get(w, "w"), bias_t, adapters, p, seed, offset, training != 0), out);
  });
}

int l4j_lora_linear_grouped(l4j_tensor x, l4j_tensor w, l4j_tensor bias, int64_t n, const l4j_tensor *as,
                            const l4j_tensor *bs, const double *scales, double p, uint64_t seed, uint64_t offset,
                            int32_t training, l4j_tensor *out) {
  return guarded("lora_linear_grouped", [&] {
    require_out(out, "out");
    at::Tensor bias_t = bias == nullptr ? at::Tensor() : bias->tensor;
    emit(lora_linear(get(x, "x"), get(w, "w"), bias_t, adapters_from(n, as, bs, scales), p, seed, offset,
                     training != 0),
         out);
  });
}

int l4j_lora_add(l4j_tensor y, l4j_tensor x, l4j_tensor a, l4j_tensor b, double scale, double p, uint64_t seed,
                 uint64_t offset, int32_t training, l4j_tensor *out) {
  return guarded("lora_add", [&] {
    require_out(out, "out");
    emit(lora_add(get(y, "y"), get(x, "x"), LoraAdapter{get(a, "a"), get(b, "b"), scale}, p, seed, offset, training != 0),
         out);
  });
}

int l4j_lora_dropout(l4j_tensor x, double p, uint64_t seed, uint64_t offset, l4j_tensor *out) {
  return guarded("lora_dropout", [&] {
    require_out(out, "out");
    if (!(p >= 0.0 && p < 1.0)) throw ArgumentError("dropout probability must be in [0, 1), got " + std::to_string(p));
    emit(lora_dropout(get(x, "x").detach(), p, seed, offset), out);
  });
}

int l4j_philox4x32_10(const uint32_t *counter, const uint32_t *key, uint32_t *out) {
  return guarded("philox4x32_10", [&] {
    if (counter == nullptr || key == nullptr || out == nullptr) throw ArgumentError("null pointer");
    Philox4 r = philox4x32_10(Philox4{{counter[0], counter[1], counter[2], counter[3]}}, key[0], key[1]);
    for (int i = 0; i < 4; i++) out[i] = r.v[i];
  });
}

}  // extern "C"
