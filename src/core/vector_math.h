// Element-wise math for the fused kernels (src/engine/*_kernel.cpp, loss.cpp): branch-free float versions
// of exp and tanh that loops can vectorise. Private to the library.
#pragma once

#include "core/vector_clones.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace rnnscope::rnn {

// Vectorisable elementary functions. The float versions are branch-free polynomials (exp:
// Cephes expf, ≤ 2 ulp; tanh: a rational fit) so that loops calling them vectorise; the
// double versions call libm — double precision serves the tests, not speed.

inline float vec_exp(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.7f ? 88.7f : x;
  // x = n ln2 + r, |r| ≤ ln2/2; adding and subtracting 1.5·2^23 rounds to the nearest integer.
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  // 2^n from its IEEE-754 exponent bits.
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
inline double vec_exp(double x) { return std::exp(x); }

// tanh(x) = x·P(x²) / Q(x²), a rational fit (degree 4 over 4 in x²) on |x| ≤ 9, beyond
// which tanh rounds to ±1 in float; ≤ 6 ulp (4e−7 relative) over all floats. One division
// and no branches: half the cost of the exp-based form, whose two branches (a polynomial
// near 0, where 1 − 2/(e^{2x} + 1) would lose relative precision, and exp elsewhere) a
// vectorised loop must both evaluate. The division is returned apart (tanh = num / den) so
// callers can share one division between several quotients (reciprocals below).
inline void tanh_ratio(float x, float& num, float& den) {
  x = x < -9.0f ? -9.0f : x;
  x = x > 9.0f ? 9.0f : x;
  const float s = x * x;
  num = x * ((((1.33816522e-8f * s + 2.06294080e-5f) * s + 3.49685992e-3f) * s + 1.33821085e-1f) * s + 1.0f);
  den = (((7.78785591e-7f * s + 3.28768889e-4f) * s + 2.58818585e-2f) * s + 4.67154264e-1f) * s + 1.0f;
}
inline void tanh_ratio(double x, double& num, double& den) {
  num = std::tanh(x);
  den = 1;
}

template <class T>
inline T vec_tanh(T x) {
  T num, den;
  tanh_ratio(x, num, den);
  return num / den;
}

// The logistic function's denominator: σ(x) = 1 / logistic_denominator(x). In float the
// argument is clamped at −40 (σ(−40) ≈ 4·10⁻¹⁸, so σ changes by less than that) to bound the
// denominator by 1 + e⁴⁰ ≈ 2.4·10¹⁷: the product of two such, or of one and a tanh
// denominator (≤ 420), stays finite, which reciprocals() needs.
inline float logistic_denominator(float x) { return 1.0f + vec_exp(x < -40.0f ? 40.0f : -x); }
inline double logistic_denominator(double x) { return 1.0 + std::exp(-x); }

// 1/a and 1/b with one division (1/(ab), times b and times a): a vector division costs as
// much as a dozen multiply-adds (AVX-512 vdivps: one per ≈ 10 cycles), and the gated cells
// need several per element. ≤ 2 ulp in float for a·b finite; exact divisions in double.
inline void reciprocals(float a, float b, float& inv_a, float& inv_b) {
  const float r = 1.0f / (a * b);
  inv_a = r * b;
  inv_b = r * a;
}
inline void reciprocals(double a, double b, double& inv_a, double& inv_b) {
  inv_a = 1.0 / a;
  inv_b = 1.0 / b;
}

}  // namespace rnnscope::rnn
