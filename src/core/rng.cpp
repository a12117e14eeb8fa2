// xoshiro256** with splitmix64 seeding and stream derivation by hashing the stream name.
#include "rnnscope/core/rng.h"

#include <cassert>
#include <cmath>

namespace rnnscope {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a: a stable hash of the stream name (std::hash is not stable across builds).
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

uint64_t Rng::derive_seed(uint64_t seed, const std::string& stream, uint64_t index) {
  uint64_t state = seed ^ fnv1a(stream);
  uint64_t a = splitmix64(state);
  state = a ^ (index * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
  return splitmix64(state);
}

Rng Rng::derive(uint64_t seed, const std::string& stream, uint64_t index) {
  return Rng(derive_seed(seed, stream, index));
}

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

double Rng::normal() {
  // 1 − u lies in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

int64_t Rng::integer(int64_t n) {
  assert(n > 0);
  // Lemire's unbiased bounded integers would be faster; rejection keeps it simple and exact.
  const uint64_t bound = static_cast<uint64_t>(n);
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return static_cast<int64_t>(x % bound);
}

}  // namespace rnnscope
