/*
 * lora4j.h: the C ABI of liblora4j, a small shim over libtorch.
 *
 * Conventions (see DESIGN.md):
 *   - Plain C, one prefix (l4j_), opaque handles, no function-like macros.
 *   - Every fallible call returns int status: 0 on success, non-zero on failure. Results are written
 *     through out-pointers, which are left untouched on failure. After a failure, l4j_last_error()
 *     returns a message owned by the calling thread, valid until that thread's next failing call.
 *   - No C++ exception ever crosses this boundary.
 *   - Every handle returned through an out-pointer is new and owned by the caller, who frees it with
 *     the one free function of its type. A live-handle counter per type lets tests prove no leaks.
 *   - Shapes are (const int64_t *shape, int32_t ndim). Tensor lists are (const l4j_tensor *, int64_t n).
 *   - Scalars are passed as double; on an integral tensor, an integral value acts as an integer, as a
 *     Python int literal would.
 *   - Optional tensor arguments accept NULL.
 *   - Bindings in bindings/ are generated from this file: edit here, then run scripts/gen_bindings.py.
 */
#ifndef LORA4J_H
#define LORA4J_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on every change to this file that is not purely additive-compatible. */
#define L4J_ABI_VERSION 3

/* Element types (match dev.lora4j.tensor.DType codes). */
#define L4J_DTYPE_FLOAT32 0
#define L4J_DTYPE_FLOAT64 1
#define L4J_DTYPE_FLOAT16 2
#define L4J_DTYPE_BFLOAT16 3
#define L4J_DTYPE_INT64 4
#define L4J_DTYPE_INT32 5
#define L4J_DTYPE_INT16 6
#define L4J_DTYPE_INT8 7
#define L4J_DTYPE_UINT8 8
#define L4J_DTYPE_BOOL 9

/* Device types; a device is (type, index), index -1 meaning the current device of that type. */
#define L4J_DEVICE_CPU 0
#define L4J_DEVICE_CUDA 1

/* Reductions for losses. */
#define L4J_REDUCTION_NONE 0
#define L4J_REDUCTION_MEAN 1
#define L4J_REDUCTION_SUM 2

/* GELU approximations. */
#define L4J_GELU_NONE 0
#define L4J_GELU_TANH 1

typedef struct l4j_tensor_s *l4j_tensor;
typedef struct l4j_generator_s *l4j_generator;
typedef struct l4j_optimizer_s *l4j_optimizer;
typedef struct l4j_process_group_s *l4j_process_group;

/* ---- library ------------------------------------------------------------------------------- */

/* L4J_ABI_VERSION of the compiled library; the Java side refuses to run against another. */
int32_t l4j_abi_version(void);
/* The calling thread's last error message; "" if none. Never NULL. */
const char *l4j_last_error(void);
/* The libtorch version the library was compiled against, e.g. "2.11.0". */
const char *l4j_torch_version(void);
/* Handles currently alive. */
int64_t l4j_live_tensors(void);
int64_t l4j_live_generators(void);
int64_t l4j_live_optimizers(void);
int l4j_set_num_threads(int32_t n);
int l4j_get_num_threads(int32_t *out);
/* 1 when float32 products with a frozen CPU weight run through oneDNN, 0 through ATen (MKL): chosen once
 * per process, at the first such product or this call, by the environment variable LORA4J_CPU_GEMM
 * (aten, the default when unset; onednn; auto: both timed on a T5-sized product, oneDNN if >= 5% faster).
 * Fails for any other value of the variable. */
int l4j_cpu_gemm_onednn(int32_t *out);
/* Makes those products run through ATen (0) or oneDNN (1) from now on (a resumed run restores the library
 * its checkpoint was written with); fails for another value, or for 1 when libtorch has no oneDNN. */
int l4j_cpu_gemm_select(int32_t library);
/* Seeds libtorch's default generators (CPU and every CUDA device). */
int l4j_manual_seed(uint64_t seed);

/* ---- generators -------------------------------------------------------------------------------- */

int l4j_generator_new(uint64_t seed, int32_t device_type, int32_t device_index, l4j_generator *out);
int l4j_generator_set_seed(l4j_generator gen, uint64_t seed);
int l4j_generator_free(l4j_generator gen);

/* ---- tensor creation ----------------------------------------------------------------------------- */

/* Copies numel * element size bytes from host memory into a new tensor on the given device. */
int l4j_tensor_from_data(const void *data, const int64_t *shape, int32_t ndim, int32_t dtype,
                         int32_t device_type, int32_t device_index, l4j_tensor *out);
/* A CPU tensor over caller-owned contiguous memory, no copy. The caller keeps the memory alive and
 * unchanged until every tensor viewing it is freed; writing to read-only memory is undefined. */
int l4j_tensor_from_blob(void *data, const int64_t *shape, int32_t ndim, int32_t dtype, l4j_tensor *out);
int l4j_tensor_empty(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type,
                     int32_t device_index, l4j_tensor *out);
int l4j_tensor_zeros(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type,
                     int32_t device_index, l4j_tensor *out);
int l4j_tensor_ones(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type,
                    int32_t device_index, l4j_tensor *out);
int l4j_tensor_full(const int64_t *shape, int32_t ndim, double value, int32_t dtype, int32_t device_type,
                    int32_t device_index, l4j_tensor *out);
int l4j_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                      int32_t device_index, l4j_tensor *out);
/* Uniform [0, 1) and standard normal; gen may be NULL for the default generator. */
int l4j_tensor_rand(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type,
                    int32_t device_index, l4j_generator gen, l4j_tensor *out);
int l4j_tensor_randn(const int64_t *shape, int32_t ndim, int32_t dtype, int32_t device_type,
                     int32_t device_index, l4j_generator gen, l4j_tensor *out);
int l4j_tensor_free(l4j_tensor t);

/* ---- queries --------------------------------------------------------------------------------- */

int l4j_tensor_ndim(l4j_tensor t, int32_t *out);
/* Writes min(ndim, capacity) sizes into out; call l4j_tensor_ndim first. */
int l4j_tensor_shape(l4j_tensor t, int64_t *out, int32_t capacity);
int l4j_tensor_numel(l4j_tensor t, int64_t *out);
int l4j_tensor_dtype(l4j_tensor t, int32_t *out);
int l4j_tensor_device(l4j_tensor t, int32_t *out_type, int32_t *out_index);
int l4j_tensor_requires_grad(l4j_tensor t, int32_t *out);
int l4j_tensor_is_contiguous(l4j_tensor t, int32_t *out);
/* Copies the tensor's elements (any device, any layout) to host memory in row-major order.
 * nbytes must equal numel * element size. */
int l4j_tensor_copy_to_host(l4j_tensor t, void *dst, int64_t nbytes);
/* The value of a one-element tensor. */
int l4j_tensor_item_double(l4j_tensor t, double *out);
int l4j_tensor_item_int64(l4j_tensor t, int64_t *out);
/* 1 if every element is finite (no NaN, no infinity), else 0. */
int l4j_tensor_all_finite(l4j_tensor t, int32_t *out);

/* ---- conversion and layout ----------------------------------------------------------------------- */

int l4j_tensor_to(l4j_tensor t, int32_t dtype, int32_t device_type, int32_t device_index, l4j_tensor *out);
int l4j_tensor_contiguous(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_clone(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_detach(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_view(l4j_tensor t, const int64_t *shape, int32_t ndim, l4j_tensor *out);
int l4j_tensor_reshape(l4j_tensor t, const int64_t *shape, int32_t ndim, l4j_tensor *out);
int l4j_tensor_permute(l4j_tensor t, const int64_t *dims, int32_t ndim, l4j_tensor *out);
int l4j_tensor_transpose(l4j_tensor t, int64_t dim0, int64_t dim1, l4j_tensor *out);
int l4j_tensor_slice(l4j_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, l4j_tensor *out);
int l4j_tensor_narrow(l4j_tensor t, int64_t dim, int64_t start, int64_t length, l4j_tensor *out);
int l4j_tensor_unsqueeze(l4j_tensor t, int64_t dim, l4j_tensor *out);
int l4j_tensor_squeeze(l4j_tensor t, int64_t dim, l4j_tensor *out);
int l4j_tensor_expand(l4j_tensor t, const int64_t *shape, int32_t ndim, l4j_tensor *out);
int l4j_tensor_cat(const l4j_tensor *tensors, int64_t n, int64_t dim, l4j_tensor *out);
int l4j_tensor_stack(const l4j_tensor *tensors, int64_t n, int64_t dim, l4j_tensor *out);
int l4j_tensor_index_select(l4j_tensor t, int64_t dim, l4j_tensor index, l4j_tensor *out);
int l4j_tensor_gather(l4j_tensor t, int64_t dim, l4j_tensor index, l4j_tensor *out);
int l4j_tensor_repeat_interleave(l4j_tensor t, int64_t repeats, int64_t dim, l4j_tensor *out);

/* ---- in-place updates (used under no-grad: weight loading, initialisation, merging) ------------- */

int l4j_tensor_copy_(l4j_tensor dst, l4j_tensor src);
int l4j_tensor_add_(l4j_tensor dst, l4j_tensor src, double alpha);
int l4j_tensor_mul_scalar_(l4j_tensor t, double value);
int l4j_tensor_fill_(l4j_tensor t, double value);
int l4j_tensor_uniform_(l4j_tensor t, double low, double high, l4j_generator gen);
int l4j_tensor_normal_(l4j_tensor t, double mean, double std, l4j_generator gen);

/* ---- linear algebra ---------------------------------------------------------------------------- */

int l4j_tensor_matmul(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
/* x·wᵀ + bias; bias may be NULL. */
int l4j_tensor_linear(l4j_tensor x, l4j_tensor w, l4j_tensor bias, l4j_tensor *out);
/* beta·input + alpha·(a·b) */
int l4j_tensor_addmm(l4j_tensor input, l4j_tensor a, l4j_tensor b, double beta, double alpha, l4j_tensor *out);
int l4j_tensor_bmm(l4j_tensor a, l4j_tensor b, l4j_tensor *out);

/* ---- elementwise --------------------------------------------------------------------------------- */

/* a + alpha·b, broadcasting. */
int l4j_tensor_add(l4j_tensor a, l4j_tensor b, double alpha, l4j_tensor *out);
int l4j_tensor_sub(l4j_tensor a, l4j_tensor b, double alpha, l4j_tensor *out);
int l4j_tensor_mul(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_div(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_maximum(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_minimum(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_add_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_sub_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_mul_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_div_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_pow_scalar(l4j_tensor t, double exponent, l4j_tensor *out);
int l4j_tensor_neg(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_abs(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_sqrt(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_rsqrt(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_exp(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_log(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_tanh(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_sigmoid(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_relu(l4j_tensor t, l4j_tensor *out);
/* approximate: L4J_GELU_NONE (erf) or L4J_GELU_TANH (T5's gelu_new). */
int l4j_tensor_gelu(l4j_tensor t, int32_t approximate, l4j_tensor *out);
/* gelu(a) * b (broadcasting) as one autograd node that keeps a and b, not gelu(a), for the backward. */
int l4j_tensor_gelu_mul(l4j_tensor a, l4j_tensor b, int32_t approximate, l4j_tensor *out);
/* Use -INFINITY / INFINITY for an open end. */
int l4j_tensor_clamp(l4j_tensor t, double min, double max, l4j_tensor *out);
int l4j_tensor_isfinite(l4j_tensor t, l4j_tensor *out);

/* ---- comparison and masking ---------------------------------------------------------------------- */

int l4j_tensor_eq(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_ne(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_lt(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_le(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_gt(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_ge(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_eq_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_ne_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_lt_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_le_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_gt_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_ge_scalar(l4j_tensor t, double value, l4j_tensor *out);
int l4j_tensor_logical_and(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_logical_or(l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_logical_not(l4j_tensor t, l4j_tensor *out);
/* t with value where mask is true (mask broadcasts to t). */
int l4j_tensor_masked_fill(l4j_tensor t, l4j_tensor mask, double value, l4j_tensor *out);
int l4j_tensor_where(l4j_tensor condition, l4j_tensor a, l4j_tensor b, l4j_tensor *out);
int l4j_tensor_triu(l4j_tensor t, int64_t diagonal, l4j_tensor *out);
int l4j_tensor_tril(l4j_tensor t, int64_t diagonal, l4j_tensor *out);

/* ---- reductions --------------------------------------------------------------------------------- */

/* Over dims (ndims = 0 reduces over all elements, to a 0-dim tensor). */
int l4j_tensor_sum(l4j_tensor t, const int64_t *dims, int32_t ndims, int32_t keepdim, l4j_tensor *out);
int l4j_tensor_mean(l4j_tensor t, const int64_t *dims, int32_t ndims, int32_t keepdim, l4j_tensor *out);
/* Maximum along dim with its indices. */
int l4j_tensor_max_dim(l4j_tensor t, int64_t dim, int32_t keepdim, l4j_tensor *out_values, l4j_tensor *out_indices);
/* Maximum of all elements, as a 0-dim tensor. */
int l4j_tensor_max_all(l4j_tensor t, l4j_tensor *out);
int l4j_tensor_argmax(l4j_tensor t, int64_t dim, int32_t keepdim, l4j_tensor *out);
int l4j_tensor_topk(l4j_tensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                    l4j_tensor *out_values, l4j_tensor *out_indices);
int l4j_tensor_softmax(l4j_tensor t, int64_t dim, l4j_tensor *out);
int l4j_tensor_log_softmax(l4j_tensor t, int64_t dim, l4j_tensor *out);

/* ---- neural network ----------------------------------------------------------------------------- */

/* weight (num_embeddings, dim) rows picked by integer indices of any shape. */
int l4j_tensor_embedding(l4j_tensor weight, l4j_tensor indices, l4j_tensor *out);
/* Inverted dropout: with training != 0 zeroes each element with probability p (drawn from gen, or the
 * default generator when NULL) and scales the rest by 1/(1-p); otherwise returns t unchanged. */
int l4j_tensor_dropout(l4j_tensor t, double p, int32_t training, l4j_generator gen, l4j_tensor *out);
/* Attention with dropout on its probabilities: l4j_tensor_dropout(softmax(q·kᵀ + bias), p, training, gen)·v,
 * q (..., Tq, E), k (..., Tk, E), v (..., Tk, Ev), bias added to the scores (broadcast to (..., Tq, Tk); NULL
 * for none), no scaling. The mask is the one l4j_tensor_dropout draws from the same generator state. On the
 * CPU in training one autograd node that keeps neither the probabilities nor the mask: backward recomputes
 * and redraws them. */
int l4j_tensor_dropout_attention(l4j_tensor q, l4j_tensor k, l4j_tensor v, l4j_tensor bias, double p, int32_t training,
                                 l4j_generator gen, l4j_tensor *out);
/* logits (N, C), target (N) int64; entries equal to ignore_index add nothing (mean divides by the
 * number of the others). */
int l4j_tensor_cross_entropy(l4j_tensor logits, l4j_tensor target, int64_t ignore_index, int32_t reduction,
                             double label_smoothing, l4j_tensor *out);
/* softmax(q·kᵀ·scale + mask)·v over (..., L, E) inputs; mask may be NULL (bool: true = attend, or float:
 * added); scale NaN means 1/sqrt(E). */
int l4j_tensor_scaled_dot_product_attention(l4j_tensor q, l4j_tensor k, l4j_tensor v, l4j_tensor mask,
                                            double dropout_p, int32_t is_causal, double scale, l4j_tensor *out);
/* A multi-layer LSTM over x (B, T, in), batch first, from a zero state, as torch.nn.LSTM computes it: params in
 * its order, per layer then direction [w_ih (4h, in_l), w_hh (4h, h), b_ih (4h), b_hh (4h)] (n = layers · dirs · 4);
 * dropout p between layers when training != 0 (from the default generator). out: (B, T, dirs · h).
 * Differentiable in x and every parameter. */
int l4j_lstm(l4j_tensor x, const l4j_tensor *params, int64_t n, int64_t num_layers, int32_t bidirectional, double dropout,
             int32_t training, l4j_tensor *out);

/* ---- autograd ---------------------------------------------------------------------------------- */

int l4j_tensor_set_requires_grad(l4j_tensor t, int32_t requires_grad);
/* Backpropagates from t; grad may be NULL when t has one element. */
int l4j_tensor_backward(l4j_tensor t, l4j_tensor grad, int32_t retain_graph);
/* The accumulated gradient of a leaf; *out is set to NULL when there is none. */
int l4j_tensor_grad(l4j_tensor t, l4j_tensor *out);
/* Drops the accumulated gradient (PyTorch's set_to_none). */
int l4j_tensor_zero_grad(l4j_tensor t);
/* Grad mode is per thread. previous receives the mode before the call; it may be NULL. */
int l4j_set_grad_enabled(int32_t enabled, int32_t *previous);
int l4j_is_grad_enabled(int32_t *out);

/* ---- optimization ------------------------------------------------------------------------------ */

/* libtorch's AdamW over the given parameters (the optimizer keeps its own references). */
int l4j_adamw_new(const l4j_tensor *params, int64_t n, double lr, double beta1, double beta2, double eps,
                  double weight_decay, int32_t amsgrad, l4j_optimizer *out);
int l4j_optimizer_step(l4j_optimizer opt);
/* Drops every parameter's gradient. */
int l4j_optimizer_zero_grad(l4j_optimizer opt);
int l4j_optimizer_set_lr(l4j_optimizer opt, double lr);
int l4j_optimizer_get_lr(l4j_optimizer opt, double *out);
/* AdamW state of parameter i, for checkpoints: new tensors (NULL before the first step) and step count. */
int l4j_adamw_get_state(l4j_optimizer opt, int64_t param_index, l4j_tensor *out_exp_avg,
                        l4j_tensor *out_exp_avg_sq, int64_t *out_step);
int l4j_adamw_set_state(l4j_optimizer opt, int64_t param_index, l4j_tensor exp_avg, l4j_tensor exp_avg_sq,
                        int64_t step);
int l4j_optimizer_free(l4j_optimizer opt);
/* Scales gradients so their total norm is at most max_norm; total_norm receives the norm before. */
int l4j_clip_grad_norm(const l4j_tensor *params, int64_t n, double max_norm, double norm_type, double *total_norm);

/* ---- LoRA ---------------------------------------------------------------------------------------- */

/* Fused LoRA linear: y = x·Wᵀ (+ bias) + scale·(D(x)·Aᵀ)·Bᵀ, with x (..., in), w (out, in), bias (out) or
 * NULL, a (r, in), b (out, r), r in [1, 256]. D is inverted dropout with probability p in [0, 1) whose
 * mask is drawn from Philox4x32-10 at (seed, offset) and regenerated in backward, never stored; with
 * training = 0 or p = 0 there is no dropout. Differentiable in x, w, bias, a and b. */
int l4j_lora_linear(l4j_tensor x, l4j_tensor w, l4j_tensor bias, l4j_tensor a, l4j_tensor b, double scale, double p,
                    uint64_t seed, uint64_t offset, int32_t training, l4j_tensor *out);
/* n adapters reading the same x over one packed base weight w (Σ out_j, in): adapter j adds to output
 * columns [o_j, o_j + out_j) in order, and draws its mask at offset + j·numel(x). */
int l4j_lora_linear_grouped(l4j_tensor x, l4j_tensor w, l4j_tensor bias, int64_t n, const l4j_tensor *as,
                            const l4j_tensor *bs, const double *scales, double p, uint64_t seed, uint64_t offset,
                            int32_t training, l4j_tensor *out);
/* Adapter only, over a base output computed elsewhere (a quantized linear): out = y + scale·(D(x)·Aᵀ)·Bᵀ with
 * y (..., out) the base layer's output for x (..., in), a (r, in), b (out, r), dropout as l4j_lora_linear.
 * Differentiable in y (the gradient passes through), x, a and b. */
int l4j_lora_add(l4j_tensor y, l4j_tensor x, l4j_tensor a, l4j_tensor b, double scale, double p, uint64_t seed,
                 uint64_t offset, int32_t training, l4j_tensor *out);
/* x ⊙ mask / (1 - p) with the mask l4j_lora_linear draws at (seed, offset): for references and tests. */
int l4j_lora_dropout(l4j_tensor x, double p, uint64_t seed, uint64_t offset, l4j_tensor *out);
/* One Philox4x32-10 evaluation (counter[4], key[2] -> out[4]), exposed for known-answer tests. */
int l4j_philox4x32_10(const uint32_t *counter, const uint32_t *key, uint32_t *out);

/* ---- blockwise quantization (bitsandbytes' NF4 / FP4 and 8-bit dynamic map; docs/QLORA.md) ------------ */

#define L4J_QUANT_NF4 0
#define L4J_QUANT_FP4 1

/* w (float32, bfloat16 or float16, any shape, n elements) in blocks of blocksize consecutive row-major
 * elements (a power of two in [32, 4096]): out_packed uint8 ((n + 1) / 2, 1), element 2i in the high nibble of
 * byte i; out_absmax float32 (ceil(n / blocksize)). Bit-identical to bitsandbytes' quantize_4bit on the CPU. */
int l4j_quantize_4bit(l4j_tensor w, int64_t blocksize, int32_t quant_type, l4j_tensor *out_packed,
                      l4j_tensor *out_absmax);
/* code(packed) · absmax[block] in float32, rounded once to dtype (float32, bfloat16, float16), in shape. */
int l4j_dequantize_4bit(l4j_tensor packed, l4j_tensor absmax, int64_t blocksize, int32_t quant_type,
                        const int64_t *shape, int32_t ndim, int32_t dtype, l4j_tensor *out);
/* The 16 float32 values of a 4-bit code (bitsandbytes' quant_map). */
int l4j_quant_code_4bit(int32_t quant_type, l4j_tensor *out);
/* bitsandbytes' 8-bit signed dynamic map (256 float32 values, the nested_quant_map of double quantization). */
int l4j_quant_dynamic_map(l4j_tensor *out);
/* a (float32) in blocks: out_codes uint8 of a's shape, out_absmax float32 (ceil(n / blocksize)); bitsandbytes'
 * CPU quantize_blockwise, bit for bit. */
int l4j_quantize_blockwise_8bit(l4j_tensor a, l4j_tensor code, int64_t blocksize, l4j_tensor *out_codes,
                                l4j_tensor *out_absmax);
/* code[codes] · absmax[block], float32. */
int l4j_dequantize_blockwise_8bit(l4j_tensor codes, l4j_tensor absmax, l4j_tensor code, int64_t blocksize,
                                  l4j_tensor *out);
/* x · Wᵀ with W (out_features, in_features) dequantized from (packed, absmax) into x's dtype for this product
 * only. Differentiable in x; backward dequantizes again (into weight_dtype, then dy's dtype); W gets no
 * gradient. */
int l4j_linear_4bit(l4j_tensor x, l4j_tensor packed, l4j_tensor absmax, int64_t blocksize, int32_t quant_type,
                    int64_t out_features, int64_t in_features, int32_t weight_dtype, l4j_tensor *out);

/* ---- CUDA --------------------------------------------------------------------------------------- */

/* 0 where libtorch has no CUDA or no device is visible; never fails. */
int l4j_cuda_device_count(int32_t *out);
/* These report "CUDA not available" through the normal error path when there is none. */
int l4j_cuda_synchronize(int32_t device_index);
int l4j_cuda_memory_allocated(int32_t device_index, int64_t *out);
int l4j_cuda_max_memory_allocated(int32_t device_index, int64_t *out);
int l4j_cuda_reset_peak_memory(int32_t device_index);

/* ---- data parallel (c10d: TCPStore rendezvous, ProcessGroupGloo; docs/DISTRIBUTED.md) ---------- */

/* Collective backends. */
#define L4J_BACKEND_GLOO 0
#define L4J_BACKEND_NCCL 1

/* All-reduce operations: AVG is SUM divided by the world size. */
#define L4J_REDUCE_SUM 0
#define L4J_REDUCE_AVG 1

/* Joins a process group: rank 0 serves a TCP store on master_addr:master_port and waits for the other
 * ranks; the others connect to it. Fails, never hangs, when the rendezvous or a Gloo connection does not
 * complete within timeout_ms (a port in use, an unreachable master, a rank that never starts). Every
 * later collective is bounded by the same timeout. */
int l4j_process_group_new(int32_t backend, int32_t rank, int32_t world_size, const char *master_addr,
                          int32_t master_port, int64_t timeout_ms, l4j_process_group *out);
/* In place on every rank: the tensors become their sum (or average) over the ranks. The tensors are
 * copied into one flat bucket per dtype, reduced in one call and copied back. */
int l4j_all_reduce(l4j_process_group pg, const l4j_tensor *tensors, int64_t n, int32_t op);
/* As l4j_all_reduce on the parameters' gradients (one bucket). A parameter without a gradient on some
 * ranks joins with zeros there; one without a gradient on every rank keeps none (the optimizer skips it,
 * as in one process). */
int l4j_all_reduce_grads(l4j_process_group pg, const l4j_tensor *params, int64_t n, int32_t op);
/* In place: every rank's tensors become root's (one flat bucket per dtype). */
int l4j_broadcast(l4j_process_group pg, const l4j_tensor *tensors, int64_t n, int32_t root);
int l4j_barrier(l4j_process_group pg);
/* After a failed collective the group refuses further work; free it and exit. */
int l4j_process_group_free(l4j_process_group pg);
int64_t l4j_live_process_groups(void);

#ifdef __cplusplus
}
#endif

#endif /* LORA4J_H */
