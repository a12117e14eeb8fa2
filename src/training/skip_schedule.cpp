// β annealing of skip connections through time (training/skip_schedule.h).
#include "training/skip_schedule.h"

#include <algorithm>

namespace rnnscope::rnn {

SkipSchedule::SkipSchedule(const SkipScheduleOptions& options) : options_(options) {}

TemporalSkip SkipSchedule::skip_at(int64_t step) const {
  const int64_t stage = std::min(step / options_.stage_steps, options_.stages);
  if (stage == options_.stages) return {};
  const double beta = options_.beta_init + (1 - options_.beta_init) * double(stage) / double(options_.stages);
  return {options_.kind, options_.theta, beta};
}

void SkipSchedule::before_step(int64_t step, RecurrentModel& model, torch::optim::Optimizer&) {
  model.set_temporal_skip(skip_at(step));
}

std::vector<std::pair<std::string, double>> SkipSchedule::record(int64_t step) const {
  const TemporalSkip skip = skip_at(step);
  const int64_t stage = std::min(step / options_.stage_steps, options_.stages);
  return {{"stage", double(stage)}, {"beta", skip.beta}, {"theta", double(skip.active() ? skip.every : 1)}};
}

}  // namespace rnnscope::rnn
