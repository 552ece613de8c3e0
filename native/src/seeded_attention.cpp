// Attention's core with seeded dropout on the probabilities, dropout(softmax(q·kᵀ + bias)) · v, as one
// autograd node that runs one batch element at a time.
//
// Why per batch element: T5 splits heads as views, q = (B, T, H·d).view(B, T, H, d).transpose(1, 2), so
// q, k, v and the gradient of the output are (B, H, T, d) tensors whose B and H cannot merge into one
// batch. at::matmul on them copies each operand into a contiguous (B·H, T, d) first (seven copies in a
// backward), and the merged head layout then costs another copy on the way out (the context's
// transpose(1, 2).reshape) and on the way back (each of dq, dk, dv). One element's q[b] is a plain 3-D
// batch (H, T, d) with row stride H·d, which BLAS takes as it is; its products are written into outputs
// laid out (B, T, H, d), so that the heads merge back as views. And one element's (H, Tq, Tk) scores,
// probabilities and mask stay in the cache between the ops, where the whole batch's do not.
#include <torch/autograd.h>

#include "cpu/lora_dropout_cpu.h"
#include "seeded_dropout.h"

namespace l4j {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// An empty (B, H, T, d) tensor laid out (B, T, H, d): heads interleaved per token, as the projections that
// T5 splits into heads produce them.
at::Tensor empty_token_major(at::IntArrayRef sizes, const at::TensorOptions &options) {
  const int64_t heads = sizes[1], length = sizes[2], dim = sizes[3];
  return at::empty_strided(sizes, {length * heads * dim, dim, heads * dim, 1}, options);
}

// out = a·b for one element's slice out of a larger output (bmm_out takes its out by lvalue reference).
void bmm_into(at::Tensor out, const at::Tensor &a, const at::Tensor &b) { at::bmm_out(out, a, b); }

// The bias's slice for batch element b, broadcast over the batch when its batch dimension is 1.
at::Tensor bias_at(const at::Tensor &bias, int64_t b) { return bias.select(0, bias.size(0) == 1 ? 0 : b); }

// softmax(q_b·k_bᵀ + bias_b) over the keys for one element, (H, Tq, Tk) contiguous: the composition's ops.
at::Tensor probabilities(const at::Tensor &q_b, const at::Tensor &k_b, const std::optional<at::Tensor> &bias, int64_t b) {
  at::Tensor scores = at::bmm(q_b, k_b.mT());
  if (bias) scores.add_(bias_at(*bias, b));
  return at::softmax(scores, -1);
}

struct SeededAttention : public torch::autograd::Function<SeededAttention> {
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            at::TensorList bias_list, double p, int64_t seed) {
    const std::optional<at::Tensor> bias = bias_list.empty() ? std::nullopt : std::optional<at::Tensor>(bias_list[0]);
    std::vector<at::Tensor> saved{q, k, v};
    if (bias) saved.push_back(*bias);
    ctx->save_for_backward(saved);
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    at::Tensor out = empty_token_major({q.size(0), q.size(1), q.size(2), v.size(3)}, v.options());
    for (int64_t b = 0; b < q.size(0); b++) {
      at::Tensor probs = probabilities(q.select(0, b), k.select(0, b), bias, b);
      lora_dropout_slice_cpu_(probs, p, static_cast<uint64_t>(seed), 0, element_offset(probs, b));
      bmm_into(out.select(0, b), probs, v.select(0, b));
    }
    return out;
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0];
    const at::Tensor &k = saved[1];
    const at::Tensor &v = saved[2];
    const std::optional<at::Tensor> bias = saved.size() > 3 ? std::optional<at::Tensor>(saved[3]) : std::nullopt;
    double p = ctx->saved_data["p"].toDouble();
    uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    const at::Tensor &dy = grad_outputs[0];
    // Gradients come back by argument position (the empty bias list takes none); edges exist for tensors only.
    const bool q_grad = ctx->needs_input_grad(0), k_grad = ctx->needs_input_grad(1), v_grad = ctx->needs_input_grad(2);
    const bool bias_grad = bias && ctx->needs_input_grad(3);
    const bool score_grads = q_grad || k_grad || bias_grad;
    at::Tensor dq = q_grad ? empty_token_major(q.sizes(), q.options()) : at::Tensor();
    at::Tensor dk = k_grad ? empty_token_major(k.sizes(), k.options()) : at::Tensor();
    at::Tensor dv = v_grad ? empty_token_major(v.sizes(), v.options()) : at::Tensor();
    // A bias broadcast over the batch sums its elements' gradients; one per element is each's own.
    at::Tensor dbias = bias_grad ? at::zeros(bias->sizes(), bias->options()) : at::Tensor();
    for (int64_t b = 0; b < q.size(0); b++) {
      const at::Tensor q_b = q.select(0, b), k_b = k.select(0, b), v_b = v.select(0, b), dy_b = dy.select(0, b);
      at::Tensor probs = probabilities(q_b, k_b, bias, b);
      const uint64_t first = element_offset(probs, b);
      // dv needs D(P), the scores' gradients D(dP): one pass applies the element's mask to both.
      at::Tensor dprobs = score_grads ? at::bmm(dy_b, v_b.mT()) : at::Tensor();
      if (v_grad) {
        at::Tensor dropped = at::empty_like(probs);
        lora_dropout_slice_pair_cpu(probs, dropped, dprobs, p, seed, 0, first);
        bmm_into(dv.select(0, b), dropped.mT(), dy_b);
      } else if (score_grads) {
        lora_dropout_slice_cpu_(dprobs, p, seed, 0, first);
      }
      if (score_grads) {
        at::Tensor dscores = at::_softmax_backward_data(dprobs, probs, -1, probs.scalar_type());
        if (q_grad) bmm_into(dq.select(0, b), dscores, k_b);
        if (k_grad) bmm_into(dk.select(0, b), dscores.mT(), q_b);
        if (bias_grad) {
          at::Tensor dbias_b = bias_at(dbias, b);
          dbias_b.add_(at::sum_to(dscores, dbias_b.sizes()));
        }
      }
    }
    return {dq, dk, dv, dbias, at::Tensor(), at::Tensor()};
  }

  // Where element b's probabilities start in the whole (B, H, Tq, Tk) draw: its mask is that slice of the
  // mask one dropout over the batch's probabilities would draw.
  static uint64_t element_offset(const at::Tensor &probs_b, int64_t b) {
    return static_cast<uint64_t>(b) * static_cast<uint64_t>(probs_b.numel());
  }
};

}  // namespace

at::Tensor seeded_attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            const std::optional<at::Tensor> &bias, double p, const std::optional<at::Generator> &gen) {
  TORCH_CHECK(p > 0.0 && p < 1.0, "seeded_attention: p must be in (0, 1)");
  TORCH_CHECK(q.device().is_cpu() && (!gen || gen->device().is_cpu()), "seeded_attention: CPU tensors and generators only");
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "seeded_attention: q, k and v must be (B, H, T, d), got ",
              q.sizes(), ", ", k.sizes(), ", ", v.sizes());
  TORCH_CHECK(k.size(0) == q.size(0) && v.size(0) == q.size(0) && k.size(1) == q.size(1) && v.size(1) == q.size(1) &&
                  k.size(3) == q.size(3) && v.size(2) == k.size(2),
              "seeded_attention: q ", q.sizes(), ", k ", k.sizes(), " and v ", v.sizes(),
              " must share the batch and heads, q and k their width, k and v their length");
  std::vector<at::Tensor> bias_list;
  if (bias) {
    TORCH_CHECK(bias->dim() <= 4, "seeded_attention: the bias must broadcast to (B, H, Tq, Tk), got ", bias->sizes());
    // 4-D, so that its batch dimension can be indexed (views: autograd gives the gradient the bias's shape)
    at::Tensor bias4 = *bias;
    while (bias4.dim() < 4) bias4 = bias4.unsqueeze(0);
    TORCH_CHECK(bias4.size(0) == 1 || bias4.size(0) == q.size(0), "seeded_attention: the bias's batch must be 1 or ",
                q.size(0), ", got ", bias->sizes());
    bias_list.push_back(bias4);
  }
  int64_t seed = static_cast<int64_t>(draw_dropout_seed(gen));
  // As a TensorList, so that autograd gives the bias an edge (a std::vector would pass as a constant).
  return SeededAttention::apply(q, k, v, at::TensorList(bias_list), p, seed);
}

}  // namespace l4j
