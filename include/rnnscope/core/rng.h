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

  uint64_t next_u64();
  double uniform();                          // [0, 1)
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
  uint64_t s_[4];
};

}  // namespace rnnscope
