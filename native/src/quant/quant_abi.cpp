// C entry points of the blockwise quantization (quant4.cpp) and the 4-bit linear op (linear4bit.cpp).
#include "quant/quant4.h"
#include "shim.h"

using namespace l4j;

extern "C" {

int l4j_quantize_4bit(l4j_tensor w, int64_t blocksize, int32_t quant_type, l4j_tensor *out_packed,
                      l4j_tensor *out_absmax) {
  return guarded("quantize_4bit", [&] {
    require_out(out_packed, "out_packed");
    require_out(out_absmax, "out_absmax");
    auto [packed, absmax] = quantize_4bit(get(w, "w"), blocksize, quant_type);
    emit(std::move(packed), out_packed);
    emit(std::move(absmax), out_absmax);
  });
}

int l4j_dequantize_4bit(l4j_tensor packed, l4j_tensor absmax, int64_t blocksize, int32_t quant_type,
                        const int64_t *shape, int32_t ndim, int32_t dtype, l4j_tensor *out) {
  return guarded("dequantize_4bit", [&] {
    require_out(out, "out");
    emit(dequantize_4bit(get(packed, "packed"), get(absmax, "absmax"), blocksize, quant_type, to_shape(shape, ndim),
                         to_scalar_type(dtype)),
         out);
  });
}

int l4j_quant_code_4bit(int32_t quant_type, l4j_tensor *out) {
  return guarded("quant_code_4bit", [&] {
    require_out(out, "out");
    const float *code = quant4_code(quant_type);
    emit(at::from_blob(const_cast<float *>(code), {16}, at::kFloat).clone(), out);
  });
}

int l4j_quant_dynamic_map(l4j_tensor *out) {
  return guarded("quant_dynamic_map", [&] {
    require_out(out, "out");
    emit(dynamic_map(), out);
  });
}

int l4j_quantize_blockwise_8bit(l4j_tensor a, l4j_tensor code, int64_t blocksize, l4j_tensor *out_codes,
                                l4j_tensor *out_absmax) {
  return guarded("quantize_blockwise_8bit", [&] {
    require_out(out_codes, "out_codes");
    require_out(out_absmax, "out_absmax");
    auto [codes, absmax] = quantize_blockwise_8bit(get(a, "a"), get(code, "code"), blocksize);
    emit(std::move(codes), out_codes);
    emit(std::move(absmax), out_absmax);
  });
}

int l4j_dequantize_blockwise_8bit(l4j_tensor codes, l4j_tensor absmax, l4j_tensor code, int64_t blocksize,
                                  l4j_tensor *out) {
  return guarded("dequantize_blockwise_8bit", [&] {
    require_out(out, "out");
    emit(dequantize_blockwise_8bit(get(codes, "codes"), get(absmax, "absmax"), get(code, "code"), blocksize), out);
  });
}

int l4j_linear_4bit(l4j_tensor x, l4j_tensor packed, l4j_tensor absmax, int64_t blocksize, int32_t quant_type,
                    int64_t out_features, int64_t in_features, int32_t weight_dtype, l4j_tensor *out) {
  return guarded("linear_4bit", [&] {
    require_out(out, "out");
    emit(linear_4bit(get(x, "x"), get(packed, "packed"), get(absmax, "absmax"), blocksize, quant_type, out_features,
                     in_features, to_scalar_type(weight_dtype)),
         out);
  });
}

}  // extern "C"
