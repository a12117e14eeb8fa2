// Random-dot motion (neurogym's ring code), Yang et al. 2019's ring code, one-hot stimuli.
#include "stimuli.h"

#include "rnnscope/tasks/scoring.h"

#include <cmath>

namespace rnnscope::tasks {

std::vector<double> motion_stimulus(int64_t direction, double coherence, int64_t n_channels) {
  std::vector<double> out(static_cast<size_t>(n_channels));
  const double step = 2.0 * M_PI / static_cast<double>(n_channels);
  for (int64_t i = 0; i < n_channels; ++i) {
    out[static_cast<size_t>(i)] =
        std::cos(step * static_cast<double>(i - direction)) * coherence / 200.0 + 0.5;
  }
  return out;
}

std::vector<double> ring_profile(double direction, int64_t n_units) {
  std::vector<double> out(static_cast<size_t>(n_units));
  const double step = 2.0 * M_PI / static_cast<double>(n_units);
  for (int64_t i = 0; i < n_units; ++i) {
    const double scaled = 8.0 * circular_distance(step * static_cast<double>(i), direction) / M_PI;
    out[static_cast<size_t>(i)] = 0.8 * std::exp(-0.5 * scaled * scaled);
  }
  return out;
}

std::vector<double> one_hot(int64_t k, int64_t n) {
  std::vector<double> out(static_cast<size_t>(n), 0.0);
  out[static_cast<size_t>(k)] = 1.0;
  return out;
}

}  // namespace rnnscope::tasks
