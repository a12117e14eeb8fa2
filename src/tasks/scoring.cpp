// Per-trial readouts of network outputs shared by the tasks' criteria.
#include "rnnscope/tasks/scoring.h"

#include <algorithm>
#include <cmath>

namespace rnnscope::tasks {

std::pair<int64_t, int64_t> period_steps(const Batch& batch, int64_t period, int64_t trial) {
  const size_t at = static_cast<size_t>((period * batch.trials + trial) * 2);
  return {batch.period_bounds[at], batch.period_bounds[at + 1]};
}

float output_at(const Batch& batch, const float* outputs, int64_t step, int64_t trial,
                int64_t channel) {
  return outputs[(step * batch.trials + trial) * batch.n_outputs + channel];
}

std::vector<double> mean_outputs(const Batch& batch, const float* outputs, int64_t trial,
                                 int64_t start, int64_t end) {
  if (end <= start) return {};
  std::vector<double> mean(static_cast<size_t>(batch.n_outputs), 0.0);
  for (int64_t t = start; t < end; ++t) {
    for (int64_t c = 0; c < batch.n_outputs; ++c) {
      mean[static_cast<size_t>(c)] += output_at(batch, outputs, t, trial, c);
    }
  }
  for (double& m : mean) m /= static_cast<double>(end - start);
  return mean;
}

int64_t argmax_mean_output(const Batch& batch, const float* outputs, int64_t trial,
                           int64_t start, int64_t end) {
  const auto mean = mean_outputs(batch, outputs, trial, start, end);
  if (mean.empty()) return -1;
  int64_t best = 0;
  for (size_t c = 1; c < mean.size(); ++c) {
    if (mean[c] > mean[static_cast<size_t>(best)]) best = static_cast<int64_t>(c);
  }
  return best;
}

bool chooses(const Batch& batch, const float* outputs, int64_t trial, int64_t period,
             int64_t channel) {
  const auto [start, end] = period_steps(batch, period, trial);
  return argmax_mean_output(batch, outputs, trial, start, end) == channel;
}

int64_t first_crossing(const Batch& batch, const float* outputs, int64_t trial, int64_t channel,
                       int64_t from, double threshold) {
  const int64_t end = batch.trial_steps[static_cast<size_t>(trial)];
  for (int64_t t = std::max<int64_t>(from, 0); t < end; ++t) {
    if (output_at(batch, outputs, t, trial, channel) >= threshold) return t;
  }
  return -1;
}

double population_vector_angle(const std::vector<double>& ring) {
  double x = 0, y = 0;
  const double step = 2.0 * M_PI / static_cast<double>(ring.size());
  for (size_t i = 0; i < ring.size(); ++i) {
    x += ring[i] * std::cos(step * static_cast<double>(i));
    y += ring[i] * std::sin(step * static_cast<double>(i));
  }
  const double angle = std::atan2(y, x);
  return angle < 0 ? angle + 2.0 * M_PI : angle;
}

double circular_distance(double a, double b) {
  const double d = std::fmod(std::fabs(a - b), 2.0 * M_PI);
  return std::min(d, 2.0 * M_PI - d);
}

bool stays_above(const Batch& batch, const float* outputs, int64_t trial, int64_t channel,
                 int64_t start, int64_t end, double threshold) {
  for (int64_t t = start; t < end; ++t) {
    if (!(output_at(batch, outputs, t, trial, channel) > threshold)) return false;
  }
  return true;
}

}  // namespace rnnscope::tasks
