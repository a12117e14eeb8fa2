// Noisy rate patterns around class prototypes (include/rnnscope/snn/patterns.h).
#include "rnnscope/snn/patterns.h"

#include "rnnscope/core/rng.h"

namespace rnnscope::snn {

PatternSet make_patterns(const PatternParams& params, int64_t n_inputs, const std::string& split, uint64_t seed) {
  const auto inputs = static_cast<size_t>(n_inputs);
  std::vector<uint8_t> prototypes(static_cast<size_t>(params.classes) * inputs);
  Rng prototype_rng = Rng::derive(seed, "snn/prototypes");
  for (auto& on : prototypes) on = prototype_rng.bernoulli(params.active_fraction);

  const int64_t samples = split == "train" ? params.train_samples : params.test_samples;
  PatternSet set;
  set.labels.resize(static_cast<size_t>(samples));
  set.rates_hz.resize(static_cast<size_t>(samples) * inputs);
  for (int64_t s = 0; s < samples; ++s) {
    const auto label = static_cast<int32_t>(s % params.classes);
    set.labels[static_cast<size_t>(s)] = label;
    Rng rng = Rng::derive(seed, "snn/patterns/" + split, static_cast<uint64_t>(s));
    for (size_t c = 0; c < inputs; ++c) {
      const bool on = prototypes[static_cast<size_t>(label) * inputs + c] != rng.bernoulli(params.flip);
      set.rates_hz[static_cast<size_t>(s) * inputs + c] = static_cast<float>(on ? params.rate_on_hz : params.rate_off_hz);
    }
  }
  return set;
}

}  // namespace rnnscope::snn
