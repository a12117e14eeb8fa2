// Reading a network's outputs [T, B, n_outputs] trial by trial, for tasks' criteria: the
// steps of a period, the mean output over a range, its argmax, a threshold crossing, the
// population-vector angle of a ring of outputs.
#pragma once

#include "rnnscope/tasks/task.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace rnnscope::tasks {

// Steps [start, end) of period `period` (index into TaskInfo::periods) in trial `trial`.
std::pair<int64_t, int64_t> period_steps(const Batch& batch, int64_t period, int64_t trial);

// Output channel `channel` of trial `trial` at step `step`.
float output_at(const Batch& batch, const float* outputs, int64_t step, int64_t trial, int64_t channel);

// Mean of every output channel over steps [start, end) of trial `trial`; empty if start == end.
std::vector<double> mean_outputs(const Batch& batch, const float* outputs, int64_t trial,
                                 int64_t start, int64_t end);

// The channel with the largest mean output over steps [start, end) (the first on ties);
// −1 when the range is empty.
int64_t argmax_mean_output(const Batch& batch, const float* outputs, int64_t trial,
                           int64_t start, int64_t end);

// Whether the mean output over period `period` of trial `trial` is largest on `channel`:
// the decision criterion of neurogym's classification tasks.
bool chooses(const Batch& batch, const float* outputs, int64_t trial, int64_t period,
             int64_t channel);

// The first step in [from, trial end) at which output `channel` is >= threshold; −1 if none.
int64_t first_crossing(const Batch& batch, const float* outputs, int64_t trial, int64_t channel,
                       int64_t from, double threshold);

// The angle in [0, 2π) of the population vector Σ_i r_i (cos θ_i, sin θ_i) of a ring of
// units with preferred directions θ_i = 2πi/n (Yang et al. 2019's readout of a response).
double population_vector_angle(const std::vector<double>& ring);

// Distance in [0, π] between two angles in radians, going round the circle either way.
double circular_distance(double a, double b);

// Whether output `channel` of trial `trial` is above `threshold` at every step of [start, end).
bool stays_above(const Batch& batch, const float* outputs, int64_t trial, int64_t channel,
                 int64_t start, int64_t end, double threshold);

}  // namespace rnnscope::tasks
