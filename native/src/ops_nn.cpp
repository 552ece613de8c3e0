// Neural-network ops: embedding, dropout with an explicit generator, cross entropy, attention.
#include "seeded_dropout.h"
#include "shim.h"

using namespace l4j;

namespace {

bool seeded_on_cpu(const at::Tensor &x, const std::optional<at::Generator> &generator) {
  return x.device().is_cpu() && (!generator || generator->device().is_cpu());
}

// Inverted dropout as l4j_tensor_dropout documents it.
at::Tensor dropout(const at::Tensor &x, double p, bool training, const std::optional<at::Generator> &generator) {
  if (!(p >= 0.0 && p <= 1.0)) throw ArgumentError("dropout probability must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0;
  // The mask comes from a Philox seed drawn from the given generator (at::dropout would use the global
  // one), so a seed reproduces it; backward regenerates it instead of keeping it.
  if (seeded_on_cpu(x, generator)) return seeded_dropout(x, p, generator);
  // Other devices: libtorch's Philox-based bernoulli_ with the given generator; the mask is a constant to
  // autograd, which differentiates only the multiplication.
  at::Tensor keep = at::empty_like(x, x.options().requires_grad(false)).bernoulli_(1.0 - p, generator);
  return x * keep * (1.0 / (1.0 - p));
}

}  // namespace

extern "C" {

int l4j_tensor_embedding(l4j_tensor weight, l4j_tensor indices, l4j_tensor *out) {
  return guarded("embedding", [&] {
    require_out(out, "out");
    emit(at::embedding(get(weight, "weight"), get(indices, "indices")), out);
  });
}

int l4j_tensor_dropout(l4j_tensor t, double p, int32_t training, l4j_generator gen, l4j_tensor *out) {
  return guarded("dropout", [&] {
    require_out(out, "out");
    emit(dropout(get(t, "t"), p, training != 0, to_generator(gen)), out);
  });
}

int l4j_tensor_dropout_attention(l4j_tensor q, l4j_tensor k, l4j_tensor v, l4j_tensor bias, double p, int32_t training,
                                 l4j_generator gen, l4j_tensor *out) {
  return guarded("dropout_attention", [&] {
    require_out(out, "out");
    const at::Tensor &queries = get(q, "q");
    const at::Tensor &keys = get(k, "k");
    const at::Tensor &values = get(v, "v");
    std::optional<at::Tensor> scores_bias = get_optional(bias);
    std::optional<at::Generator> generator = to_generator(gen);
    bool cpu = seeded_on_cpu(queries, generator) && keys.device().is_cpu() && values.device().is_cpu() &&
               (!scores_bias || scores_bias->device().is_cpu());
    if (training != 0 && p > 0.0 && p < 1.0 && cpu) {
      emit(seeded_attention(queries, keys, values, scores_bias, p, generator), out);
    } else {
      at::Tensor scores = at::matmul(queries, keys.mT());
      if (scores_bias) scores = at::add(scores, *scores_bias);
      emit(at::matmul(dropout(at::softmax(scores, -1), p, training != 0, generator), values), out);
    }
  });
}

int l4j_tensor_cross_entropy(l4j_tensor logits, l4j_tensor target, int64_t ignore_index, int32_t reduction,
                             double label_smoothing, l4j_tensor *out) {
  return guarded("cross_entropy", [&] {
    require_out(out, "out");
    int64_t mode;
    switch (reduction) {
      case L4J_REDUCTION_NONE: mode = at::Reduction::None; break;
      case L4J_REDUCTION_MEAN: mode = at::Reduction::Mean; break;
      case L4J_REDUCTION_SUM: mode = at::Reduction::Sum; break;
      default: throw ArgumentError("unknown reduction " + std::to_string(reduction));
    }
    emit(at::cross_entropy_loss(get(logits, "logits"), get(target, "target"), std::nullopt, mode, ignore_index,
                                label_smoothing),
         out);
  });
}

int l4j_tensor_scaled_dot_product_attention(l4j_tensor q, l4j_tensor k, l4j_tensor v, l4j_tensor mask, double dropout_p,
                                            int32_t is_causal, double scale, l4j_tensor *out) {
  return guarded("scaled_dot_product_attention", [&] {
    require_out(out, "out");
    std::optional<double> s = std::isnan(scale) ? std::nullopt : std::optional<double>(scale);
    emit(at::scaled_dot_product_attention(get(q, "q"), get(k, "k"), get(v, "v"), get_optional(mask), dropout_p,
                                          is_causal != 0, s),
         out);
  });
}

int l4j_lstm(l4j_tensor x, const l4j_tensor *params, int64_t n, int64_t num_layers, int32_t bidirectional, double dropout,
             int32_t training, l4j_tensor *out) {
  return guarded("lstm", [&] {
    require_out(out, "out");
    const at::Tensor &input = get(x, "x");
    if (input.dim() != 3) throw ArgumentError("x must be (batch, time, features), got " + c10::str(input.sizes()));
    if (num_layers < 1) throw ArgumentError("num_layers must be at least 1, got " + std::to_string(num_layers));
    int64_t dirs = bidirectional != 0 ? 2 : 1;
    if (n != num_layers * dirs * 4) {
      throw ArgumentError("expected " + std::to_string(num_layers * dirs * 4) + " parameters (w_ih, w_hh, b_ih, b_hh per layer "
                          "and direction), got " + std::to_string(n));
    }
    if (!(dropout >= 0.0 && dropout < 1.0)) throw ArgumentError("dropout must be in [0, 1), got " + std::to_string(dropout));
    std::vector<at::Tensor> weights = to_tensor_list(params, n);
    const at::Tensor &w_hh = weights[1];
    if (w_hh.dim() != 2 || w_hh.size(0) != 4 * w_hh.size(1)) {
      throw ArgumentError("w_hh must be (4 hidden, hidden), got " + c10::str(w_hh.sizes()));
    }
    int64_t hidden = w_hh.size(1);
    at::Tensor h0 = at::zeros({num_layers * dirs, input.size(0), hidden}, input.options());
    at::Tensor c0 = at::zeros_like(h0);
    auto result = at::lstm(input, {h0, c0}, weights, /*has_biases=*/true, num_layers, dropout, training != 0,
                           bidirectional != 0, /*batch_first=*/true);
    emit(std::get<0>(result), out);
  });
}

}  // extern "C"
