// libtorch's AdamW over a parameter list, its state for checkpoints, and gradient-norm clipping.
#include <torch/nn/utils/clip_grad.h>

#include "shim.h"

using namespace l4j;

namespace {
torch::optim::AdamW &adamw(l4j_optimizer opt) {
  if (opt == nullptr) throw ArgumentError("null optimizer handle");
  return *opt->adamw;
}

torch::optim::AdamWOptions &options(l4j_optimizer opt) {
  return static_cast<torch::optim::AdamWOptions &>(adamw(opt).param_groups().at(0).options());
}

const at::Tensor &param_at(l4j_optimizer opt, int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(opt->params.size())) {
    throw ArgumentError("parameter index " + std::to_string(index) + " out of range [0, " +
                        std::to_string(opt->params.size()) + ")");
  }
  return opt->params[static_cast<size_t>(index)];
}
}  // namespace

extern "C" {

int l4j_adamw_new(const l4j_tensor *params, int64_t n, double lr, double beta1, double beta2, double eps,
                  double weight_decay, int32_t amsgrad, l4j_optimizer *out) {
  return guarded("adamw_new", [&] {
    require_out(out, "out");
    std::vector<at::Tensor> list = to_tensor_list(params, n);
    for (size_t i = 0; i < list.size(); i++) {
      if (!list[i].is_leaf() || !list[i].requires_grad()) {
        throw ArgumentError("parameter " + std::to_string(i) + " is not a leaf tensor that requires grad");
      }
    }
    if (!(lr >= 0)) throw ArgumentError("learning rate must be >= 0, got " + std::to_string(lr));
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw ArgumentError("betas must be in [0, 1)");
    if (!(eps >= 0)) throw ArgumentError("eps must be >= 0");
    auto opts = torch::optim::AdamWOptions(lr).betas({beta1, beta2}).eps(eps).weight_decay(weight_decay).amsgrad(amsgrad != 0);
    auto *o = new l4j_optimizer_s{std::make_unique<torch::optim::AdamW>(list, opts), list};
    *out = o;
    live_optimizers.fetch_add(1);
  });
}

int l4j_optimizer_step(l4j_optimizer opt) {
  return guarded("optimizer_step", [&] { adamw(opt).step(); });
}

int l4j_optimizer_zero_grad(l4j_optimizer opt) {
  return guarded("optimizer_zero_grad", [&] { adamw(opt).zero_grad(true); });
}

int l4j_optimizer_set_lr(l4j_optimizer opt, double lr) {
  return guarded("optimizer_set_lr", [&] {
    if (!(lr >= 0)) throw ArgumentError("learning rate must be >= 0, got " + std::to_string(lr));
    options(opt).lr(lr);
  });
}

int l4j_optimizer_get_lr(l4j_optimizer opt, double *out) {
  return guarded("optimizer_get_lr", [&] { *require_out(out, "out") = options(opt).lr(); });
}

int l4j_adamw_get_state(l4j_optimizer opt, int64_t param_index, l4j_tensor *out_exp_avg, l4j_tensor *out_exp_avg_sq,
                        int64_t *out_step) {
  return guarded("adamw_get_state", [&] {
    require_out(out_exp_avg, "out_exp_avg");
    require_out(out_exp_avg_sq, "out_exp_avg_sq");
    require_out(out_step, "out_step");
    const at::Tensor &p = param_at(opt, param_index);
    auto &state = adamw(opt).state();
    auto it = state.find(p.unsafeGetTensorImpl());
    if (it == state.end()) {
      *out_exp_avg = nullptr;
      *out_exp_avg_sq = nullptr;
      *out_step = 0;
      return;
    }
    auto &s = static_cast<torch::optim::AdamWParamState &>(*it->second);
    emit(s.exp_avg().clone(), out_exp_avg);
    emit(s.exp_avg_sq().clone(), out_exp_avg_sq);
    *out_step = s.step();
  });
}

int l4j_adamw_set_state(l4j_optimizer opt, int64_t param_index, l4j_tensor exp_avg, l4j_tensor exp_avg_sq,
                        int64_t step) {
  return guarded("adamw_set_state", [&] {
    const at::Tensor &p = param_at(opt, param_index);
    const at::Tensor &m = get(exp_avg, "exp_avg");
    const at::Tensor &v = get(exp_avg_sq, "exp_avg_sq");
    if (!m.sizes().equals(p.sizes()) || !v.sizes().equals(p.sizes())) {
      throw ArgumentError("state shapes " + c10::str(m.sizes()) + " / " + c10::str(v.sizes()) +
                          " do not match parameter shape " + c10::str(p.sizes()));
    }
    if (step < 0) throw ArgumentError("negative step count");
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(step);
    s->exp_avg(m.detach().to(p.options()).clone());
    s->exp_avg_sq(v.detach().to(p.options()).clone());
    if (options(opt).amsgrad()) s->max_exp_avg_sq(at::zeros_like(p));
    adamw(opt).state()[p.unsafeGetTensorImpl()] = std::move(s);
  });
}

int l4j_optimizer_free(l4j_optimizer opt) {
  return guarded("optimizer_free", [&] {
    if (opt == nullptr) throw ArgumentError("null optimizer handle");
    delete opt;
    live_optimizers.fetch_sub(1);
  });
}

int l4j_clip_grad_norm(const l4j_tensor *params, int64_t n, double max_norm, double norm_type, double *total_norm) {
  return guarded("clip_grad_norm", [&] {
    std::vector<at::Tensor> list = to_tensor_list(params, n);
    double norm = torch::nn::utils::clip_grad_norm_(list, max_norm, norm_type);
    if (total_norm != nullptr) *total_norm = norm;
  });
}

}  // extern "C"
