// Counter-based standard normals (normal_fill.h).
//
// For counter k: z = splitmix64(key + (k + 1)·γ); u1 = (top 24 bits + 1)·2⁻²⁴ ∈ (0, 1] and
// the angle θ = 2π·(low 32 bits)·2⁻³²; out = √(−2 ln u1)·(cos θ, sin θ). The angle's top two
// bits (rounded) pick the quadrant and the rest is an offset in [−π/4, π/4), where short
// polynomials are accurate; ln uses the mantissa/exponent split. All branch-free, so the
// loop vectorises (64-bit multiplies included, on AVX-512).
#include "rnnscope/core/normal_fill.h"

#include "core/vector_clones.h"

#include <cmath>
#include <cstring>

namespace rnnscope {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

inline uint64_t splitmix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// ln x for x in (0, 1] (normal floats): x = m·2^e with m in [√½, √2), ln x = e ln 2 + ln m,
// ln(1 + f) by the Cephes logf polynomial.
inline float log_unit(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int32_t e = ((bits >> 23) & 0xff) - 127;
  int32_t mbits = (bits & 0x7fffff) | 0x3f800000;  // m in [1, 2)
  float m;
  std::memcpy(&m, &mbits, sizeof m);
  const bool high = m > 1.41421356f;
  m = high ? 0.5f * m : m;
  e = high ? e + 1 : e;
  const float f = m - 1.0f, z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  const float fe = static_cast<float>(e);
  float y = f * z * p - 2.12194440e-4f * fe - 0.5f * z;
  return f + y + 0.693359375f * fe;
}

inline void normal_pair(uint64_t key, uint64_t k, float& a, float& b) {
  const uint64_t z = splitmix64(key + (k + 1) * kGolden);
  const float u1 = static_cast<float>(static_cast<int32_t>(z >> 40) + 1) * 0x1.0p-24f;
  const float radius = std::sqrt(-2.0f * log_unit(u1));
  const auto turn = static_cast<uint32_t>(z);  // θ = 2π·turn/2³²
  const uint32_t quadrant = (turn + 0x20000000u) >> 30;
  const auto offset = static_cast<int32_t>(turn - (quadrant << 30));  // in [−2²⁹, 2²⁹)
  const float t = static_cast<float>(offset) * 1.46291807926715968e-9f;  // (π/2)/2³⁰
  const float t2 = t * t;
  const float s = t + t * t2 * ((-1.9515295891e-4f * t2 + 8.3321608736e-3f) * t2 - 1.6666654611e-1f);
  const float c = 1.0f - 0.5f * t2 + t2 * t2 * ((2.443315711809948e-5f * t2 - 1.388731625493765e-3f) * t2 +
                                                4.166664568298827e-2f);
  // Rotate (cos t, sin t) by quadrant·π/2.
  const bool odd = quadrant & 1u, back = quadrant & 2u;
  const float cos_theta = odd ? -s : c, sin_theta = odd ? c : s;
  a = radius * (back ? -cos_theta : cos_theta);
  b = radius * (back ? -sin_theta : sin_theta);
}

RNNSCOPE_VECTOR_CLONES void fill_pairs(uint64_t key, float* __restrict out, size_t pairs) {
  for (size_t k = 0; k < pairs; ++k) {
    float a, b;
    normal_pair(key, k, a, b);
    out[2 * k] = a;
    out[2 * k + 1] = b;
  }
}

}  // namespace

void fill_standard_normal(uint64_t key, float* out, size_t n) {
  fill_pairs(key, out, n / 2);
  if (n % 2) {
    float a, b;
    normal_pair(key, n / 2, a, b);
    out[n - 1] = a;
  }
}

}  // namespace rnnscope
