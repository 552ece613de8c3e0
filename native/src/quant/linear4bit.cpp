// The 4-bit linear layer's product as an autograd Function (bitsandbytes' MatMul4Bit): forward dequantizes
// the weight into the input's dtype, multiplies, and drops the dequantized copy; backward dequantizes again
// for dx. Only the packed codes and the float32 scales are saved, never a float weight, and the weight
// gets no gradient.
#include <torch/autograd.h>

#include "quant/quant4.h"
#include "shim.h"

namespace l4j {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class Linear4bitFunction : public torch::autograd::Function<Linear4bitFunction> {
 public:
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &packed,
                            const at::Tensor &absmax, int64_t blocksize, int64_t quant_type, int64_t out_features,
                            int64_t in_features, int64_t weight_dtype) {
    at::Tensor w = dequantize_4bit(packed, absmax, blocksize, static_cast<int>(quant_type), {out_features, in_features},
                                   x.scalar_type());
    at::Tensor y = at::linear(x, w);
    ctx->save_for_backward({packed, absmax});
    ctx->saved_data["blocksize"] = blocksize;
    ctx->saved_data["quant_type"] = quant_type;
    ctx->saved_data["out_features"] = out_features;
    ctx->saved_data["in_features"] = in_features;
    ctx->saved_data["weight_dtype"] = weight_dtype;
    return y;
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    variable_list saved = ctx->get_saved_variables();
    at::Tensor dx;
    if (ctx->needs_input_grad(0)) {
      const at::Tensor &dy = grad_outputs[0];
      // bitsandbytes dequantizes into the weight's original dtype here, then casts to dy's.
      at::Tensor w = dequantize_4bit(saved[0], saved[1], ctx->saved_data["blocksize"].toInt(),
                                     static_cast<int>(ctx->saved_data["quant_type"].toInt()),
                                     {ctx->saved_data["out_features"].toInt(), ctx->saved_data["in_features"].toInt()},
                                     static_cast<at::ScalarType>(ctx->saved_data["weight_dtype"].toInt()));
      dx = at::matmul(dy, w.to(dy.scalar_type()));
    }
    return {dx, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor linear_4bit(const at::Tensor &x, const at::Tensor &packed, const at::Tensor &absmax, int64_t blocksize,
                       int quant_type, int64_t out_features, int64_t in_features, at::ScalarType weight_dtype) {
  if (x.dim() < 1 || x.size(-1) != in_features)
    throw ArgumentError("4-bit linear: input's last dimension is " + std::to_string(x.dim() < 1 ? 0 : x.size(-1)) +
                        ", the layer takes " + std::to_string(in_features));
  at::ScalarType xt = x.scalar_type();
  if (xt != at::kFloat && xt != at::kBFloat16 && xt != at::kHalf)
    throw ArgumentError(std::string("4-bit linear computes in float32, bfloat16 or float16, not ") + c10::toString(xt));
  if (x.device() != packed.device())
    throw ArgumentError("4-bit linear: input and weight are on different devices");
  return Linear4bitFunction::apply(x, packed, absmax, blocksize, static_cast<int64_t>(quant_type), out_features,
                                   in_features, static_cast<int64_t>(weight_dtype));
}

}  // namespace l4j
