// Stimulus vectors shared by task families.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope::tasks {

// neurogym's random-dot motion on n ring channels at angles θ_i = 2πi/n: channel i shows
// cos(θ_i − θ_direction) · coherence / 200 + 0.5, so the mean input is 0.5 and the
// evidence for the direction grows with the coherence (percent).
std::vector<double> motion_stimulus(int64_t direction, double coherence, int64_t n_channels);

// Yang et al. (2019)'s ring code: n units with preferred directions θ_i = 2πi/n respond
// 0.8·exp(−½(8Δ_i/π)²) to a direction (radians), Δ_i its circular distance to θ_i.
std::vector<double> ring_profile(double direction, int64_t n_units);

// 1 on channel k of n, 0 elsewhere.
std::vector<double> one_hot(int64_t k, int64_t n);

}  // namespace rnnscope::tasks
