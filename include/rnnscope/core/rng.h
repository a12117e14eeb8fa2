// Deterministic random numbers. Every stochastic object gets its own Rng derived from the
// run seed and a named stream (and, for per-step draws, the step index), so results do not
// depend on call order and a resumed run draws exactly what an uninterrupted one would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope {

// xoshiro256** seeded through splitmix64 (Blackman & Vigna, 2018). Own distributions (not
// <random>'s, whose outputs are implementation-defined) so draws are the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  // A generator for (seed, stream name, index), independent of every other such triple.
  static Rng derive(uint64_t seed, const std::string& stream, uint64_t index = 0);
  static uint64_t derive_seed(uint64_t seed, const std::string& stream, uint64_t index = 0);

  // Inline: the per-step draws of the spiking simulator and the surrogate's input spike trains
  // call it in tight loops, where a call per draw was an eighth of the simulated second.
  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double low, double high);   // [low, high)
  double normal();                           // standard normal (Box–Muller, no cached spare)
  double normal(double mean, double std) { return mean + std * normal(); }
  int64_t integer(int64_t n);                // uniform on {0, …, n−1}; n > 0
  bool bernoulli(double p) { return uniform() < p; }
  template <class T>
  const T& choice(const std::vector<T>& values) {
    return values[static_cast<size_t>(integer(static_cast<int64_t>(values.size())))];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace rnnscope
