// Batches of independently drawn trials, padded to the longest, and per-trial scoring.
#include "rnnscope/tasks/trial_task.h"

#include "rnnscope/tasks/scoring.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <stdexcept>

namespace rnnscope::tasks {

ParamSpec dt_param(double default_ms) {
  return ParamSpec("dt", ParamKind::number, default_ms,
                   "time step in ms; every period duration rounds to whole steps")
      .with_min(0, true);
}

TrialTask::TrialTask(TaskInfo info, const Json& resolved, const Json& default_timing)
    : info_(std::move(info)),
      dt_ms_(resolved.at("dt").get<double>()),
      timing_(default_timing, resolved.contains("timing") ? resolved.at("timing") : Json(),
              "task '" + info_.name + "'"),
      params_(resolved) {
  params_["timing"] = timing_.table();
}

Batch TrialTask::batch(int64_t n, uint64_t seed) const {
  require(n > 0, "task '" + info_.name + "': the number of trials must be > 0, got " +
                     std::to_string(n));
  std::vector<Trial> trials;
  trials.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = Rng::derive(seed, "trial", static_cast<uint64_t>(i));
    TrialBuilder builder(info_, timing_, dt_ms_, rng);
    trials.push_back(make_trial(builder, rng));
    require(trials.back().steps > 0, "task '" + info_.name + "': a trial lasts zero steps at dt = " +
                                         std::to_string(dt_ms_) + " ms; lengthen the timing");
  }

  Batch out;
  out.trials = n;
  out.n_inputs = info_.n_inputs();
  out.n_outputs = info_.n_outputs();
  out.dt_ms = dt_ms_;
  for (const auto& trial : trials) out.steps = std::max(out.steps, trial.steps);
  const int64_t T = out.steps, B = n, n_in = out.n_inputs, n_out = out.n_outputs;
  const int64_t n_periods = static_cast<int64_t>(info_.periods.size());
  out.inputs.assign(static_cast<size_t>(T * B * n_in), 0.0f);
  out.targets.assign(static_cast<size_t>(T * B * n_out), 0.0f);
  out.mask.assign(static_cast<size_t>(T * B), 0.0f);
  out.period_bounds.assign(static_cast<size_t>(n_periods * B * 2), 0);
  out.trial_steps.resize(static_cast<size_t>(B));

  for (int64_t b = 0; b < B; ++b) {
    const Trial& trial = trials[static_cast<size_t>(b)];
    out.trial_steps[static_cast<size_t>(b)] = trial.steps;
    for (int64_t t = 0; t < trial.steps; ++t) {
      std::copy_n(trial.inputs.begin() + t * n_in, n_in, out.inputs.begin() + (t * B + b) * n_in);
      std::copy_n(trial.targets.begin() + t * n_out, n_out,
                  out.targets.begin() + (t * B + b) * n_out);
      out.mask[static_cast<size_t>(t * B + b)] = trial.mask[static_cast<size_t>(t)];
    }
    for (int64_t p = 0; p < n_periods; ++p) {
      for (int64_t k = 0; k < 2; ++k) {
        out.period_bounds[static_cast<size_t>((p * B + b) * 2 + k)] =
            trial.period_bounds[static_cast<size_t>(p * 2 + k)];
      }
    }
    const auto& first = trials.front().conditions;
    const bool same_names =
        trial.conditions.size() == first.size() &&
        std::equal(trial.conditions.begin(), trial.conditions.end(), first.begin(),
                   [](const auto& x, const auto& y) { return x.first == y.first; });
    if (!same_names) {
      throw std::logic_error("task '" + info_.name + "': trials give different condition names");
    }
    for (const auto& [name, value] : trial.conditions) {
      auto& column = out.conditions[name];
      column.resize(static_cast<size_t>(B), 0.0);
      column[static_cast<size_t>(b)] = value;
    }
  }
  return out;
}

std::vector<uint8_t> TrialTask::score(const Batch& batch, const float* outputs) const {
  require(outputs != nullptr, "task '" + info_.name + "': no outputs to score");
  require(batch.n_outputs == info_.n_outputs(),
          "task '" + info_.name + "': the batch has " + std::to_string(batch.n_outputs) +
              " output channels, the task " + std::to_string(info_.n_outputs()));
  require(static_cast<int64_t>(batch.trial_steps.size()) == batch.trials &&
              static_cast<int64_t>(batch.period_bounds.size()) ==
                  2 * batch.trials * static_cast<int64_t>(info_.periods.size()),
          "task '" + info_.name + "': the batch was not made by this task");
  std::vector<uint8_t> correct(static_cast<size_t>(batch.trials), 0);
  for (int64_t b = 0; b < batch.trials; ++b) {
    correct[static_cast<size_t>(b)] = trial_correct(batch, outputs, b) ? 1 : 0;
  }
  return correct;
}

DecisionTask::DecisionTask(TaskInfo info, const Json& resolved, const Json& default_timing)
    : TrialTask(std::move(info), resolved, default_timing),
      decision_(period_index(this->info(), "decision")),
      choice_offset_(channel_span(this->info().outputs, "choice").offset) {
  timing().require_min_steps("decision", 1, dt_ms());
}

bool DecisionTask::trial_correct(const Batch& batch, const float* outputs, int64_t trial) const {
  const auto choice = static_cast<int64_t>(batch.conditions.at("ground_truth")[static_cast<size_t>(trial)]);
  return chooses(batch, outputs, trial, decision_, choice_offset_ + choice);
}

}  // namespace rnnscope::tasks
