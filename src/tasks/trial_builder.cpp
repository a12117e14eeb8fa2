// Laying out one trial's periods and writing its inputs, targets and mask (neurogym's
// add_period / add_ob / add_randn / set_groundtruth, with named channel groups).
#include "rnnscope/tasks/trial_builder.h"

#include <cassert>
#include <cmath>
#include <stdexcept>

namespace rnnscope::tasks {

// ---- InputWriter ------------------------------------------------------------------------

InputWriter& InputWriter::write(const std::vector<double>& values, const std::string& group,
                                bool add) {
  const ChannelSpan span = channel_span(draft_->info_->inputs, group);
  if (static_cast<int64_t>(values.size()) != span.size) {
    throw std::logic_error("input group '" + group + "' has " + std::to_string(span.size) +
                           " channels, given " + std::to_string(values.size()) + " values");
  }
  const int64_t n_in = draft_->info_->n_inputs();
  auto& inputs = draft_->trial_.inputs;
  for (const auto& [start, end] : ranges_) {
    for (int64_t t = start; t < end; ++t) {
      for (int64_t c = 0; c < span.size; ++c) {
        float& x = inputs[static_cast<size_t>(t * n_in + span.offset + c)];
        x = static_cast<float>(add ? x + values[static_cast<size_t>(c)] : values[static_cast<size_t>(c)]);
      }
    }
  }
  last_group_ = group;
  return *this;
}

InputWriter& InputWriter::set(double value, const std::string& group) {
  const auto span = channel_span(draft_->info_->inputs, group);
  return write(std::vector<double>(static_cast<size_t>(span.size), value), group, false);
}

InputWriter& InputWriter::set(const std::vector<double>& values, const std::string& group) {
  return write(values, group, false);
}

InputWriter& InputWriter::add(double value, const std::string& group) {
  const auto span = channel_span(draft_->info_->inputs, group);
  return write(std::vector<double>(static_cast<size_t>(span.size), value), group, true);
}

InputWriter& InputWriter::add(const std::vector<double>& values, const std::string& group) {
  return write(values, group, true);
}

InputWriter& InputWriter::add_noise(double sigma) {
  if (last_group_.empty()) throw std::logic_error("add_noise(sigma) before any set/add");
  return add_noise(sigma, last_group_);
}

InputWriter& InputWriter::add_noise(double sigma, const std::string& group) {
  const ChannelSpan span = channel_span(draft_->info_->inputs, group);
  const int64_t n_in = draft_->info_->n_inputs();
  const double std_per_step = sigma / std::sqrt(draft_->dt_ms_);
  auto& inputs = draft_->trial_.inputs;
  last_group_ = group;
  // Zero sigma draws nothing, so switching noise off leaves the other draws of the trial as
  // they were.
  if (sigma == 0) return *this;
  for (const auto& [start, end] : ranges_) {
    for (int64_t t = start; t < end; ++t) {
      for (int64_t c = 0; c < span.size; ++c) {
        inputs[static_cast<size_t>(t * n_in + span.offset + c)] +=
            static_cast<float>(std_per_step * draft_->rng_->normal());
      }
    }
  }
  return *this;
}

// ---- TargetWriter -----------------------------------------------------------------------

TargetWriter& TargetWriter::set_class(int64_t k, const std::string& group) {
  const ChannelSpan span = channel_span(draft_->info_->outputs, group);
  if (k < 0 || k >= span.size) {
    throw std::logic_error("class " + std::to_string(k) + " outside output group '" + group + "'");
  }
  const int64_t n_out = draft_->info_->n_outputs();
  auto& trial = draft_->trial_;
  for (const auto& [start, end] : ranges_) {
    for (int64_t t = start; t < end; ++t) {
      for (int64_t c = 0; c < n_out; ++c) {
        trial.targets[static_cast<size_t>(t * n_out + c)] = c == span.offset + k ? 1.0f : 0.0f;
      }
      trial.mask[static_cast<size_t>(t)] = 1.0f;
    }
  }
  return *this;
}

TargetWriter& TargetWriter::set(double value, const std::string& group) {
  const auto span = channel_span(draft_->info_->outputs, group);
  return set(std::vector<double>(static_cast<size_t>(span.size), value), group);
}

TargetWriter& TargetWriter::set(const std::vector<double>& values, const std::string& group) {
  const ChannelSpan span = channel_span(draft_->info_->outputs, group);
  if (static_cast<int64_t>(values.size()) != span.size) {
    throw std::logic_error("output group '" + group + "' has " + std::to_string(span.size) +
                           " channels, given " + std::to_string(values.size()) + " values");
  }
  const int64_t n_out = draft_->info_->n_outputs();
  auto& trial = draft_->trial_;
  for (const auto& [start, end] : ranges_) {
    for (int64_t t = start; t < end; ++t) {
      for (int64_t c = 0; c < span.size; ++c) {
        trial.targets[static_cast<size_t>(t * n_out + span.offset + c)] =
            static_cast<float>(values[static_cast<size_t>(c)]);
      }
      trial.mask[static_cast<size_t>(t)] = 1.0f;
    }
  }
  return *this;
}

TargetWriter& TargetWriter::mask(double weight) {
  if (!(weight >= 0 && weight <= 1)) throw std::logic_error("mask weight outside [0, 1]");
  for (const auto& [start, end] : ranges_) {
    for (int64_t t = start; t < end; ++t) draft_->trial_.mask[static_cast<size_t>(t)] = static_cast<float>(weight);
  }
  return *this;
}

// ---- TrialDraft -------------------------------------------------------------------------

int64_t TrialDraft::period_index(const std::string& period) const {
  return tasks::period_index(*info_, period);
}

int64_t TrialDraft::start(const std::string& period) const {
  return trial_.period_bounds[static_cast<size_t>(2 * period_index(period))];
}

int64_t TrialDraft::end(const std::string& period) const {
  return trial_.period_bounds[static_cast<size_t>(2 * period_index(period) + 1)];
}

StepRanges TrialDraft::ranges(const std::vector<std::string>& periods) const {
  StepRanges out;
  for (const auto& p : periods) out.emplace_back(start(p), end(p));
  return out;
}

Trial TrialDraft::finish(std::map<std::string, double> conditions) {
  trial_.conditions = std::move(conditions);
  return std::move(trial_);
}

// ---- TrialBuilder -----------------------------------------------------------------------

TrialDraft TrialBuilder::periods(const std::map<std::string, double>& durations_ms) {
  TrialDraft draft(info_, dt_ms_, rng_);
  Trial& trial = draft.trial_;
  int64_t step = 0;
  for (const auto& period : info_.periods) {
    const auto given = durations_ms.find(period);
    if (given == durations_ms.end() && !timing_.has(period)) {
      throw std::logic_error("task '" + info_.name + "': period '" + period +
                             "' has neither a timing entry nor a given duration");
    }
    const double ms = given != durations_ms.end() ? given->second : timing_.sample_ms(period, rng_);
    const int64_t steps = std::max<int64_t>(0, ms_to_steps(ms, dt_ms_));
    trial.period_bounds.push_back(step);
    trial.period_bounds.push_back(step + steps);
    step += steps;
  }
  trial.steps = step;
  trial.inputs.assign(static_cast<size_t>(step * info_.n_inputs()), 0.0f);
  trial.targets.assign(static_cast<size_t>(step * info_.n_outputs()), 0.0f);
  trial.mask.assign(static_cast<size_t>(step), 0.0f);
  return draft;
}

}  // namespace rnnscope::tasks
