// Many standard-normal draws at once, for recurrent noise: [T, B, N] values per training step,
// where a per-value generator call (torch's randn: ≈ 1.6 ns a value) costs a fifth of a small
// network's step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rnnscope {

// Fills out[0..n) with independent standard normals determined by `key` alone (derive it
// with Rng::derive_seed). Counter-based: the pair (out[2k], out[2k+1]) is the Box–Muller
// transform of the two halves of splitmix64's output for counter k (Steele, Lea & Flood
// 2014), so the loop vectorises and the values do not depend on how the buffer is split.
// Uniforms have 24 and 32 bits, so |value| ≤ 5.8 (a standard normal exceeds that with
// probability 7·10⁻⁹); float math within a few ulp of the exact transform.
void fill_standard_normal(uint64_t key, float* out, size_t n);

}  // namespace rnnscope
