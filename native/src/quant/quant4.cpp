// The quantization loops of quant4.h. Each mirrors, operation for operation and rounding for rounding, what
// bitsandbytes 0.50.x computes on the CPU (quantize_4bit: its PyTorch default backend; quantize_blockwise and
// the dequantizers: its C++ CPU library), so the results are bit-identical, not merely close. The file is
// compiled with -ffp-contract=off: a fused multiply-add would round once where bitsandbytes rounds twice.
#include "quant/quant4.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include "shim.h"
#ifdef L4J_WITH_CUDA_KERNELS
#include "cuda/quant_cuda.h"
#endif

namespace l4j {

namespace {

// NormalFloat4: the float32 values bitsandbytes prints for get_4bit_type("nf4") (8 positive, 7 negative, 0).
const float kNf4[16] = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
                        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
                        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
                        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

// FP4 (1 sign, 2 exponent, 1 mantissa bits): bitsandbytes lists the magnitudes and divides by the largest,
// 12, in float32; code 8 is a second (positive) zero.
std::array<float, 16> make_fp4() {
  const float raw[16] = {0.0f, 0.0625f, 8.0f, 12.0f, 4.0f, 6.0f, 2.0f, 3.0f,
                         0.0f, -0.0625f, -8.0f, -12.0f, -4.0f, -6.0f, -2.0f, -3.0f};
  std::array<float, 16> out{};
  for (int i = 0; i < 16; i++) out[i] = raw[i] / 12.0f;
  return out;
}
const std::array<float, 16> kFp4 = make_fp4();

// Nearest-code search as bitsandbytes' default backend: sort the codes (stably; FP4's two zeros keep their
// order, as torch.argsort leaves them), take float32 midpoints of neighbours, and a value goes to the
// number of midpoints strictly below it (torch.bucketize, right=False: a tie takes the lower code).
struct Quant4Bounds {
  float midpoints[15];
  uint8_t code_of_bucket[16];
};

Quant4Bounds make_bounds(const float *code) {
  std::array<int, 16> order{};
  for (int i = 0; i < 16; i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return code[a] < code[b]; });
  Quant4Bounds bounds{};
  for (int i = 0; i < 15; i++) bounds.midpoints[i] = (code[order[i]] + code[order[i + 1]]) / 2.0f;
  for (int i = 0; i < 16; i++) bounds.code_of_bucket[i] = static_cast<uint8_t>(order[i]);
  return bounds;
}

inline uint8_t nearest_code(const Quant4Bounds &bounds, float s) {
  int bucket = static_cast<int>(std::lower_bound(bounds.midpoints, bounds.midpoints + 15, s) - bounds.midpoints);
  return bounds.code_of_bucket[bucket];
}

inline float clamp_unit(float v) { return std::min(std::max(v, -1.0f), 1.0f); }

void check_quant_type(int quant_type) {
  if (quant_type != kQuantNf4 && quant_type != kQuantFp4)
    throw ArgumentError("quant_type must be 0 (nf4) or 1 (fp4), got " + std::to_string(quant_type));
}

void check_cpu_contiguous(const at::Tensor &t, at::ScalarType dtype, const char *name) {
  if (t.scalar_type() != dtype)
    throw ArgumentError(std::string(name) + " must be " + c10::toString(dtype) + ", got " + c10::toString(t.scalar_type()));
}

// 65536-bin table of bitsandbytes' CPU quantize_blockwise: bin i stands for -1 + 2i/65535 and holds the
// number of code midpoints below that value.
std::vector<uint8_t> blockwise_lut(const float *code) {
  float midpoints[255];
  for (int i = 0; i < 255; i++) midpoints[i] = 0.5f * (code[i] + code[i + 1]);
  std::vector<uint8_t> lut(65536);
  int k = 0;
  for (int i = 0; i < 65536; i++) {
    float value = -1.0f + (2.0f * static_cast<float>(i)) / 65535.0f;
    while (k < 255 && midpoints[k] < value) k++;
    lut[i] = static_cast<uint8_t>(k);
  }
  return lut;
}

// Blocks per at::parallel_for task.
constexpr int64_t kGrainBlocks = 64;

template <typename T>
void dequantize_4bit_cpu(const uint8_t *packed, const float *absmax, const float *code, int64_t blocksize, int64_t n,
                         T *out) {
  int64_t blocks = (n + blocksize - 1) / blocksize;
  at::parallel_for(0, blocks, kGrainBlocks, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      float scale = absmax[b];
      int64_t stop = std::min((b + 1) * blocksize, n);
      for (int64_t i = b * blocksize; i < stop; i++) {
        uint8_t byte = packed[i >> 1];
        uint8_t q = (i & 1) == 0 ? static_cast<uint8_t>(byte >> 4) : static_cast<uint8_t>(byte & 0x0F);
        float v = code[q] * scale;
        out[i] = static_cast<T>(v);  // c10's BFloat16 and Half round to nearest even, as bitsandbytes does
      }
    }
  });
}

}  // namespace

const float *quant4_code(int quant_type) {
  check_quant_type(quant_type);
  return quant_type == kQuantNf4 ? kNf4 : kFp4.data();
}

void check_quant4_blocksize(int64_t blocksize) {
  bool power_of_two = blocksize > 0 && (blocksize & (blocksize - 1)) == 0;
  if (!power_of_two || blocksize < 32 || blocksize > 4096)
    throw ArgumentError("blocksize must be a power of two in [32, 4096] (bitsandbytes' quantize_4bit), got " +
                        std::to_string(blocksize));
}

std::pair<at::Tensor, at::Tensor> quantize_4bit(const at::Tensor &w, int64_t blocksize, int quant_type) {
  check_quant4_blocksize(blocksize);
  const float *code = quant4_code(quant_type);
  at::ScalarType st = w.scalar_type();
  if (st != at::kFloat && st != at::kBFloat16 && st != at::kHalf)
    throw ArgumentError(std::string("4-bit quantization takes float32, bfloat16 or float16 weights, got ") +
                        c10::toString(st));
  at::Device device = w.device();
  at::Tensor flat = w.detach().reshape(-1).to(at::kCPU, at::kFloat).contiguous();  // exact for all three dtypes
  const int64_t n = flat.numel();
  if (n == 0) throw ArgumentError("cannot quantize an empty tensor");
  const int64_t blocks = (n + blocksize - 1) / blocksize;
  const int64_t full_blocks = n / blocksize;
  at::Tensor packed = at::empty({(n + 1) / 2, 1}, at::TensorOptions().dtype(at::kByte));
  at::Tensor absmax = at::empty({blocks}, at::TensorOptions().dtype(at::kFloat));
  const float *a = flat.data_ptr<float>();
  uint8_t *p = packed.data_ptr<uint8_t>();
  float *am_out = absmax.data_ptr<float>();
  const Quant4Bounds bounds = make_bounds(code);
  const float kTiny = 1e-38f;  // torch's clamp(min=1e-38) in float32

  at::parallel_for(0, blocks, kGrainBlocks, [&](int64_t begin, int64_t end) {
    std::vector<uint8_t> q(static_cast<size_t>(blocksize) + 1);
    for (int64_t b = begin; b < end; b++) {
      const int64_t start = b * blocksize;
      const int64_t stop = std::min(start + blocksize, n);
      float am = 0.0f;
      for (int64_t i = start; i < stop; i++) am = std::max(am, std::fabs(a[i]));
      if (b < full_blocks) {
        // Full blocks: absmax stored as found; values times the float32 reciprocal of max(absmax, 1e-38).
        am_out[b] = am;
        const float reciprocal = 1.0f / std::max(am, kTiny);
        for (int64_t i = start; i < stop; i++) q[i - start] = nearest_code(bounds, clamp_unit(a[i] * reciprocal));
      } else {
        // The short tail block: absmax clamped before it is stored, values divided by it.
        const float clamped = std::max(am, kTiny);
        am_out[b] = clamped;
        for (int64_t i = start; i < stop; i++) q[i - start] = nearest_code(bounds, clamp_unit(a[i] / clamped));
      }
      int64_t count = stop - start;
      if ((count & 1) != 0) q[count] = nearest_code(bounds, 0.0f);  // odd n: padded with a quantized 0.0
      // Blocks have even sizes (bs ≥ 32), so every block starts on a byte.
      for (int64_t j = 0; j < count; j += 2) p[(start + j) >> 1] = static_cast<uint8_t>((q[j] << 4) | q[j + 1]);
    }
  });
  return {packed.to(device), absmax.to(device)};
}

at::Tensor dequantize_4bit(const at::Tensor &packed, const at::Tensor &absmax, int64_t blocksize, int quant_type,
                           at::IntArrayRef shape, at::ScalarType dtype) {
  check_quant4_blocksize(blocksize);
  const float *code = quant4_code(quant_type);
  if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kHalf)
    throw ArgumentError(std::string("4-bit dequantization writes float32, bfloat16 or float16, not ") +
                        c10::toString(dtype));
  check_cpu_contiguous(packed, at::kByte, "packed 4-bit weight");
  check_cpu_contiguous(absmax, at::kFloat, "absmax");
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) throw ArgumentError("negative size in the dequantized shape");
    n *= s;
  }
  if (packed.numel() != (n + 1) / 2)
    throw ArgumentError("packed 4-bit weight has " + std::to_string(packed.numel()) + " bytes; shape " +
                        c10::str(shape) + " needs " + std::to_string((n + 1) / 2));
  if (absmax.numel() != (n + blocksize - 1) / blocksize)
    throw ArgumentError("absmax has " + std::to_string(absmax.numel()) + " values; shape " + c10::str(shape) +
                        " in blocks of " + std::to_string(blocksize) + " needs " +
                        std::to_string((n + blocksize - 1) / blocksize));
  if (packed.device() != absmax.device()) throw ArgumentError("packed weight and absmax are on different devices");

#ifdef L4J_WITH_CUDA_KERNELS
  if (packed.is_cuda()) return dequantize_4bit_cuda(packed, absmax, code, blocksize, shape, dtype);
#endif
  if (!packed.device().is_cpu()) {
    // Devices without a kernel built in: the same arithmetic as ATen ops, element for element.
    at::Tensor bytes = packed.reshape(-1).to(at::kLong);
    at::Tensor codes = at::stack({bytes.bitwise_right_shift(4), bytes.bitwise_and(15)}, 1).reshape(-1).narrow(0, 0, n);
    at::Tensor table = at::from_blob(const_cast<float *>(code), {16}, at::kFloat).to(packed.device());
    at::Tensor scales = absmax.repeat_interleave(blocksize).narrow(0, 0, n);
    return table.index_select(0, codes).mul(scales).to(dtype).reshape(shape);
  }
  at::Tensor out = at::empty(shape, at::TensorOptions().dtype(dtype));
  at::Tensor p = packed.contiguous();
  at::Tensor am = absmax.contiguous();
  if (n == 0) return out;
  switch (dtype) {
    case at::kFloat:
      dequantize_4bit_cpu(p.data_ptr<uint8_t>(), am.data_ptr<float>(), code, blocksize, n, out.data_ptr<float>());
      break;
    case at::kBFloat16:
      dequantize_4bit_cpu(p.data_ptr<uint8_t>(), am.data_ptr<float>(), code, blocksize, n,
                          out.data_ptr<c10::BFloat16>());
      break;
    default:
      dequantize_4bit_cpu(p.data_ptr<uint8_t>(), am.data_ptr<float>(), code, blocksize, n, out.data_ptr<c10::Half>());
      break;
  }
  return out;
}

at::Tensor dynamic_map() {
  // create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for exponent i = 0..6, the 2^i means
  // of a float32 linspace(0.1, 1, 2^i + 1), times ±10^(i-6) (a float32 multiplication by a Python float,
  // as ATen does it here too), then 0 and 1, sorted.
  std::vector<double> data;
  for (int i = 0; i < 7; i++) {
    at::Tensor boundaries = at::linspace(0.1, 1.0, (int64_t{1} << i) + 1, at::TensorOptions().dtype(at::kFloat));
    at::Tensor means = (boundaries.narrow(0, 0, boundaries.size(0) - 1) + boundaries.narrow(0, 1, boundaries.size(0) - 1)) / 2.0;
    double scale = std::pow(10.0, static_cast<double>(i - 6));
    at::Tensor pos = means * scale;
    at::Tensor neg = means * (-scale);
    for (int64_t k = 0; k < pos.size(0); k++) data.push_back(pos[k].item<float>());
    for (int64_t k = 0; k < neg.size(0); k++) data.push_back(neg[k].item<float>());
  }
  data.push_back(0.0);
  data.push_back(1.0);
  std::sort(data.begin(), data.end());
  at::Tensor out = at::empty({256}, at::TensorOptions().dtype(at::kFloat));
  for (int i = 0; i < 256; i++) out.data_ptr<float>()[i] = static_cast<float>(data[static_cast<size_t>(i)]);
  return out;
}

std::pair<at::Tensor, at::Tensor> quantize_blockwise_8bit(const at::Tensor &a, const at::Tensor &code,
                                                          int64_t blocksize) {
  if (blocksize <= 0) throw ArgumentError("blocksize must be positive, got " + std::to_string(blocksize));
  check_cpu_contiguous(a, at::kFloat, "values to quantize");
  check_cpu_contiguous(code, at::kFloat, "code");
  if (code.numel() != 256) throw ArgumentError("an 8-bit code has 256 values, got " + std::to_string(code.numel()));
  at::Device device = a.device();
  at::Tensor flat = a.detach().reshape(-1).to(at::kCPU).contiguous();
  at::Tensor code_cpu = code.to(at::kCPU).contiguous();
  const int64_t n = flat.numel();
  const int64_t blocks = (n + blocksize - 1) / blocksize;
  at::Tensor out = at::empty(a.sizes(), at::TensorOptions().dtype(at::kByte));
  at::Tensor absmax = at::empty({blocks}, at::TensorOptions().dtype(at::kFloat));
  const std::vector<uint8_t> lut = blockwise_lut(code_cpu.data_ptr<float>());
  const float *x = flat.data_ptr<float>();
  uint8_t *o = out.data_ptr<uint8_t>();
  float *am_out = absmax.data_ptr<float>();
  at::parallel_for(0, blocks, kGrainBlocks, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      const int64_t start = b * blocksize;
      const int64_t stop = std::min(start + blocksize, n);
      float am = 0.0f;
      for (int64_t i = start; i < stop; i++) am = std::max(am, std::fabs(x[i]));
      am_out[b] = am;
      if (am == 0.0f) {
        for (int64_t i = start; i < stop; i++) o[i] = 0;
        continue;
      }
      const float reciprocal = 1.0f / am;
      for (int64_t i = start; i < stop; i++) {
        float s = clamp_unit(x[i] * reciprocal);
        // ((s + 1) · 0.5) · 65535 + 0.5, each step rounded to float32, truncated to the bin.
        float t = s + 1.0f;
        t = t * 0.5f;
        t = t * 65535.0f;
        t = t + 0.5f;
        o[i] = lut[static_cast<uint16_t>(t)];
      }
    }
  });
  return {out.to(device), absmax.to(device)};
}

at::Tensor dequantize_blockwise_8bit(const at::Tensor &codes, const at::Tensor &absmax, const at::Tensor &code,
                                     int64_t blocksize) {
  if (blocksize <= 0) throw ArgumentError("blocksize must be positive, got " + std::to_string(blocksize));
  check_cpu_contiguous(codes, at::kByte, "8-bit codes");
  check_cpu_contiguous(absmax, at::kFloat, "absmax");
  check_cpu_contiguous(code, at::kFloat, "code");
  if (code.numel() != 256) throw ArgumentError("an 8-bit code has 256 values, got " + std::to_string(code.numel()));
  const int64_t n = codes.numel();
  if (absmax.numel() != (n + blocksize - 1) / blocksize)
    throw ArgumentError("absmax has " + std::to_string(absmax.numel()) + " values; " + std::to_string(n) +
                        " codes in blocks of " + std::to_string(blocksize) + " need " +
                        std::to_string((n + blocksize - 1) / blocksize));
  if (!codes.device().is_cpu()) {
    at::Tensor scales = absmax.repeat_interleave(blocksize).narrow(0, 0, n);
    return code.to(codes.device()).index_select(0, codes.reshape(-1).to(at::kLong)).mul(scales).reshape(codes.sizes());
  }
  at::Tensor c = codes.contiguous();
  at::Tensor am = absmax.contiguous();
  at::Tensor table = code.contiguous();
  at::Tensor out = at::empty(codes.sizes(), at::TensorOptions().dtype(at::kFloat));
  const uint8_t *q = c.data_ptr<uint8_t>();
  const float *s = am.data_ptr<float>();
  const float *t = table.data_ptr<float>();
  float *o = out.data_ptr<float>();
  for (int64_t i = 0; i < n; i++) o[i] = t[q[i]] * s[i / blocksize];
  return out;
}

}  // namespace l4j
