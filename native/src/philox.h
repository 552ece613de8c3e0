// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
// generator, so element i's random number is a pure function of (seed, offset, i). The CPU op and the
// CUDA kernels both draw LoRA's dropout mask from it, so they agree bit for bit, and backward
// regenerates the mask instead of storing it.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define L4J_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define L4J_HOST_DEVICE inline
#endif

namespace l4j {

struct Philox4 {
  uint32_t v[4];
};

L4J_HOST_DEVICE void philox_mulhilo(uint32_t a, uint32_t b, uint32_t &hi, uint32_t &lo) {
  uint64_t product = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

// Ten rounds of Philox4x32 on counter c with key k.
L4J_HOST_DEVICE Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; round++) {
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(kMul0, c.v[0], hi0, lo0);
    philox_mulhilo(kMul1, c.v[2], hi1, lo1);
    c = Philox4{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return c;
}

// The four uniforms in [0, 1) for elements 4j .. 4j+3 of a draw at (seed, offset): the counter is
// (j, offset) and the key is the seed, so draws at different offsets never overlap.
L4J_HOST_DEVICE Philox4 philox_block(uint64_t seed, uint64_t offset, uint64_t j) {
  Philox4 c{{static_cast<uint32_t>(j), static_cast<uint32_t>(j >> 32), static_cast<uint32_t>(offset),
             static_cast<uint32_t>(offset >> 32)}};
  return philox4x32_10(c, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// 24 random bits as a float in [0, 1), exactly representable, identical on host and device.
L4J_HOST_DEVICE float philox_uniform(uint32_t bits) { return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f); }

// Inverted-dropout factor of element i: 0 if dropped (uniform < p), else 1/(1-p).
L4J_HOST_DEVICE float dropout_factor(uint64_t seed, uint64_t offset, uint64_t i, float p, float keep_scale) {
  Philox4 r = philox_block(seed, offset, i >> 2);
  return philox_uniform(r.v[i & 3]) < p ? 0.0f : keep_scale;
}

}  // namespace l4j
