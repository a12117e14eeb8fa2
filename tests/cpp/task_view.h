// Read access to a task's batch by (step, trial, channel), period and channel group names,
// shared by the task tests.
#pragma once

#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/task.h"

#include <string>
#include <utility>

namespace rnnscope::tasks {

// Read access to a batch by (step, trial, channel) and period name.
struct View {
  const Task& task;
  const Batch& b;
  float in(int64_t t, int64_t k, int64_t c) const {
    return b.inputs[static_cast<size_t>((t * b.trials + k) * b.n_inputs + c)];
  }
  float target(int64_t t, int64_t k, int64_t c) const {
    return b.targets[static_cast<size_t>((t * b.trials + k) * b.n_outputs + c)];
  }
  float mask(int64_t t, int64_t k) const { return b.mask[static_cast<size_t>(t * b.trials + k)]; }
  std::pair<int64_t, int64_t> steps(const std::string& period, int64_t k) const {
    return period_steps(b, period_index(task.info(), period), k);
  }
  double cond(const std::string& name, int64_t k) const {
    return b.conditions.at(name)[static_cast<size_t>(k)];
  }
  int64_t in_channel(const std::string& group, int64_t i = 0) const {
    return channel_span(task.info().inputs, group).offset + i;
  }
  int64_t out_channel(const std::string& group, int64_t i = 0) const {
    return channel_span(task.info().outputs, group).offset + i;
  }
  // Class of the one-hot target at step t.
  int64_t target_class(int64_t t, int64_t k) const {
    for (int64_t c = 0; c < b.n_outputs; ++c) {
      if (target(t, k, c) == 1.0f) return c;
    }
    return -1;
  }
};

}  // namespace rnnscope::tasks
