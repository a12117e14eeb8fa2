// Random-dot motion (neurogym's ring code) and one-hot stimuli.
#include "stimuli.h"

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

std::vector<double> one_hot(int64_t k, int64_t n) {
  std::vector<double> out(static_cast<size_t>(n), 0.0);
  out[static_cast<size_t>(k)] = 1.0;
  return out;
}

}  // namespace rnnscope::tasks
