// Dropout keep-masks from philox.h for runs of consecutive Philox blocks, sixteen blocks (64 elements)
// per step in AVX2 registers where the CPU has AVX2, one block at a time elsewhere. Both paths give
// exactly philox_block's numbers, so the CPU mask stays the one the CUDA kernels draw.
//
// Header-only and free of ATen so that native/tests/cuda_kernel_emulation_test.cpp checks both paths
// against philox.h on every machine.
#pragma once

#include <cstdint>

#include "philox.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define L4J_PHILOX_AVX2 1
#include <immintrin.h>
#endif

namespace l4j {

// keep[k] for element 4·first_block + k of the draw at (seed, offset), k < 4·blocks: all ones where the
// element is kept (its uniform is not below p), zero where it is dropped. Exactly the test
// philox_uniform(bits) < p of dropout_factor in philox.h.
inline void philox_keep_mask_scalar(uint64_t seed, uint64_t offset, uint64_t first_block, int64_t blocks, float p,
                                    uint32_t *keep) {
  for (int64_t b = 0; b < blocks; b++) {
    Philox4 r = philox_block(seed, offset, first_block + static_cast<uint64_t>(b));
    for (int lane = 0; lane < 4; lane++) keep[4 * b + lane] = philox_uniform(r.v[lane]) < p ? 0u : ~0u;
  }
}

#ifdef L4J_PHILOX_AVX2

namespace philox_avx2 {

// Eight Philox counters, word w of block k in lane k of v[w] (struct of arrays).
struct State8 {
  __m256i v[4];
};

// hi and lo words of m·a per 32-bit lane (m broadcast): two 32×32→64 multiplies, one for the even
// lanes and one for the odd lanes, then the halves are blended back into place.
__attribute__((target("avx2"))) inline void mulhilo(__m256i a, __m256i m, __m256i &hi, __m256i &lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

// One Philox4x32 round (philox4x32_10's loop body) on eight counters with round keys k0, k1.
__attribute__((target("avx2"))) inline void round8(State8 &c, __m256i k0, __m256i k1) {
  const __m256i mul0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i mul1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  __m256i hi0, lo0, hi1, lo1;
  mulhilo(c.v[0], mul0, hi0, lo0);
  mulhilo(c.v[2], mul1, hi1, lo1);
  c.v[0] = _mm256_xor_si256(_mm256_xor_si256(hi1, c.v[1]), k0);
  c.v[1] = lo1;
  c.v[2] = _mm256_xor_si256(_mm256_xor_si256(hi0, c.v[3]), k1);
  c.v[3] = lo0;
}

// Counters (j, j + 1, ..., j + 7) for blocks j.. at offset; the low word of j must not wrap within
// the eight (the caller checks).
__attribute__((target("avx2"))) inline State8 counters8(uint64_t j, uint64_t offset) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return State8{{_mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(j))), lanes),
                 _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(j >> 32))),
                 _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(offset))),
                 _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(offset >> 32)))}};
}

// Keep flags (all ones / zero) of the eight words in bits: philox_uniform(bits) < p computed the same
// way, (bits >> 8) · 2⁻²⁴ exactly in float, compared with p.
__attribute__((target("avx2"))) inline __m256i keep8(__m256i bits, __m256 p) {
  const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(bits, 8)), _mm256_set1_ps(1.0f / 16777216.0f));
  return _mm256_castps_si256(_mm256_cmp_ps(u, p, _CMP_GE_OQ));  // neither side is NaN: ≥ is "not <"
}

// Writes the 32 flags of eight blocks in element order: word w of block k goes to keep[4k + w], so
// the struct of arrays is transposed (a 4 × 8 transpose of 32-bit words).
__attribute__((target("avx2"))) inline void store8(const State8 &c, __m256 p, uint32_t *keep) {
  const __m256i w0 = keep8(c.v[0], p), w1 = keep8(c.v[1], p), w2 = keep8(c.v[2], p), w3 = keep8(c.v[3], p);
  const __m256i t0 = _mm256_unpacklo_epi32(w0, w1);  // blocks 0, 1 | 4, 5: words 0, 1
  const __m256i t1 = _mm256_unpacklo_epi32(w2, w3);  // blocks 0, 1 | 4, 5: words 2, 3
  const __m256i t2 = _mm256_unpackhi_epi32(w0, w1);  // blocks 2, 3 | 6, 7: words 0, 1
  const __m256i t3 = _mm256_unpackhi_epi32(w2, w3);  // blocks 2, 3 | 6, 7: words 2, 3
  const __m256i b04 = _mm256_unpacklo_epi64(t0, t1);  // block 0 | block 4
  const __m256i b15 = _mm256_unpackhi_epi64(t0, t1);  // block 1 | block 5
  const __m256i b26 = _mm256_unpacklo_epi64(t2, t3);  // block 2 | block 6
  const __m256i b37 = _mm256_unpackhi_epi64(t2, t3);  // block 3 | block 7
  __m256i *out = reinterpret_cast<__m256i *>(keep);
  _mm256_storeu_si256(out + 0, _mm256_permute2x128_si256(b04, b15, 0x20));  // blocks 0, 1
  _mm256_storeu_si256(out + 1, _mm256_permute2x128_si256(b26, b37, 0x20));  // blocks 2, 3
  _mm256_storeu_si256(out + 2, _mm256_permute2x128_si256(b04, b15, 0x31));  // blocks 4, 5
  _mm256_storeu_si256(out + 3, _mm256_permute2x128_si256(b26, b37, 0x31));  // blocks 6, 7
}

// Whether blocks j .. j + count - 1 share the high word of their counter (j's low word does not wrap).
inline bool same_high_word(uint64_t j, int64_t count) {
  return static_cast<uint32_t>(j) <= UINT32_MAX - static_cast<uint32_t>(count - 1);
}

}  // namespace philox_avx2

// philox_keep_mask_scalar's flags, sixteen blocks per step: two sets of eight counters go through the
// ten rounds side by side, so one set's multiplies overlap the other's latency.
__attribute__((target("avx2"))) inline void philox_keep_mask_avx2(uint64_t seed, uint64_t offset, uint64_t first_block,
                                                                  int64_t blocks, float p, uint32_t *keep) {
  using namespace philox_avx2;
  // The key schedule is the same for every counter: the ten round keys, broadcast once.
  __m256i k0[10], k1[10];
  uint32_t key0 = static_cast<uint32_t>(seed), key1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; round++) {
    k0[round] = _mm256_set1_epi32(static_cast<int>(key0));
    k1[round] = _mm256_set1_epi32(static_cast<int>(key1));
    key0 += 0x9E3779B9u;
    key1 += 0xBB67AE85u;
  }
  const __m256 pv = _mm256_set1_ps(p);
  int64_t b = 0;
  for (; b + 16 <= blocks; b += 16) {
    const uint64_t j = first_block + static_cast<uint64_t>(b);
    if (!same_high_word(j, 16)) {
      philox_keep_mask_scalar(seed, offset, j, 16, p, keep + 4 * b);
      continue;
    }
    State8 c = counters8(j, offset), d = counters8(j + 8, offset);
    for (int round = 0; round < 10; round++) {
      round8(c, k0[round], k1[round]);
      round8(d, k0[round], k1[round]);
    }
    store8(c, pv, keep + 4 * b);
    store8(d, pv, keep + 4 * b + 32);
  }
  for (; b + 8 <= blocks; b += 8) {
    const uint64_t j = first_block + static_cast<uint64_t>(b);
    if (!same_high_word(j, 8)) {
      philox_keep_mask_scalar(seed, offset, j, 8, p, keep + 4 * b);
      continue;
    }
    State8 c = counters8(j, offset);
    for (int round = 0; round < 10; round++) round8(c, k0[round], k1[round]);
    store8(c, pv, keep + 4 * b);
  }
  philox_keep_mask_scalar(seed, offset, first_block + static_cast<uint64_t>(b), blocks - b, p, keep + 4 * b);
}

// Whether this CPU runs the AVX2 path (asked once).
inline bool philox_cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

#endif  // L4J_PHILOX_AVX2

// The keep flags of blocks first_block .. first_block + blocks - 1 (4·blocks words into keep), by the
// fastest path this CPU has.
inline void philox_keep_mask(uint64_t seed, uint64_t offset, uint64_t first_block, int64_t blocks, float p,
                             uint32_t *keep) {
#ifdef L4J_PHILOX_AVX2
  if (philox_cpu_has_avx2()) {
    philox_keep_mask_avx2(seed, offset, first_block, blocks, p, keep);
    return;
  }
#endif
  philox_keep_mask_scalar(seed, offset, first_block, blocks, p, keep);
}

}  // namespace l4j
