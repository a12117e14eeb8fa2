// The common base of tasks made trial by trial with a TrialBuilder: it resolves dt and the
// timing table, draws each trial from its own generator, pads trials into a Batch, and
// scores a batch trial by trial. A task supplies its TaskInfo, make_trial and trial_correct.
#pragma once

#include "rnnscope/tasks/task.h"
#include "rnnscope/tasks/timing.h"
#include "rnnscope/tasks/trial_builder.h"

#include <cstdint>
#include <vector>

namespace rnnscope::tasks {

class TrialTask : public Task {
 public:
  const TaskInfo& info() const override { return info_; }
  const Json& params() const override { return params_; }
  // Trial i is drawn from Rng::derive(seed, "trial", i): the same seed gives the same batch,
  // and the first k trials of a batch do not depend on its size.
  Batch batch(int64_t n, uint64_t seed) const override;
  std::vector<uint8_t> score(const Batch& batch, const float* outputs) const override;

 protected:
  // `resolved` holds `dt`, `timing` and the task's own parameters (resolve_params output);
  // its timing table is merged over `default_timing`, and params() returns the merged one.
  TrialTask(TaskInfo info, const Json& resolved, const Json& default_timing);

  double dt_ms() const { return dt_ms_; }
  const Timing& timing() const { return timing_; }

  virtual Trial make_trial(TrialBuilder& builder, Rng& rng) const = 0;
  // Whether trial `trial` of `batch` meets the criterion, given outputs [T, B, n_outputs].
  virtual bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const = 0;

 private:
  TaskInfo info_;
  double dt_ms_;
  Timing timing_;
  Json params_;
};

// A task whose answer is one class of the output group "choice", read in the period
// "decision", with the correct class in the condition "ground_truth" (perceptual_dm,
// context_dm, delayed_match). Its criterion: the largest mean logit over the decision
// period is the correct choice.
class DecisionTask : public TrialTask {
 protected:
  DecisionTask(TaskInfo info, const Json& resolved, const Json& default_timing);

 private:
  bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const final;

  int64_t decision_;
  int64_t choice_offset_;
};

// The `dt` parameter (ms per step, > 0) with a task's default.
ParamSpec dt_param(double default_ms);

}  // namespace rnnscope::tasks
