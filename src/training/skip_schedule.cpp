// β annealing of skip connections through time and the coarsening of dt
// (training/skip_schedule.h).
#include "training/skip_schedule.h"

#include <algorithm>
#include <cmath>

namespace rnnscope::rnn {

SkipSchedule::SkipSchedule(const SkipScheduleOptions& options) : options_(options) {}

int64_t SkipSchedule::stage_at(int64_t step) const { return std::min(step / options_.stage_steps, options_.stages); }

TemporalSkip SkipSchedule::skip_at(int64_t step) const {
  const int64_t stage = stage_at(step);
  if (stage == options_.stages || options_.method == LongDepMethod::cd) return {};
  const double beta = options_.beta_init + (1 - options_.beta_init) * double(stage) / double(options_.stages);
  const auto kind = options_.method == LongDepMethod::dasc ? TemporalSkip::Kind::dasc : TemporalSkip::Kind::sctt;
  return {kind, options_.theta, beta};
}

int64_t SkipSchedule::time_step_multiple_at(int64_t step) const {
  if (options_.method != LongDepMethod::cd) return 1;
  const double k = double(stage_at(step)), theta = double(options_.theta);
  return std::llround(theta - (theta - 1) * k / double(options_.stages));
}

void SkipSchedule::before_step(int64_t step, RecurrentModel& model, DataSource& data, torch::optim::Optimizer&) {
  if (options_.method == LongDepMethod::cd) {
    const int64_t m = time_step_multiple_at(step);
    model.set_time_step_multiple(m);
    data.set_time_step_multiple(m);
  } else {
    model.set_temporal_skip(skip_at(step));
  }
}

std::vector<std::pair<std::string, double>> SkipSchedule::record(int64_t step) const {
  const TemporalSkip skip = skip_at(step);
  const int64_t theta = options_.method == LongDepMethod::cd ? time_step_multiple_at(step)
                        : skip.active()                      ? skip.every
                                                             : 1;
  return {{"stage", double(stage_at(step))}, {"beta", skip.beta}, {"theta", double(theta)}};
}

}  // namespace rnnscope::rnn
