// Building one trial in neurogym's style: lay out the periods (durations sampled from the
// task's timing, rounded to dt), then say what each period shows on which named input
// channel group and which target it asks for on which output group:
//
//   auto t = b.periods();
//   t.input({"fixation", "stimulus"}).set(1.0, "fixation");
//   t.input("stimulus").add(stimulus, "stimulus").add_noise(sigma);
//   t.target({"fixation", "stimulus"}).set_class(0, "fixation");
//   t.target("decision").set_class(choice, "choice");
//   return t.finish({{"ground_truth", choice}});
//
// Setting a target makes those steps count in the loss (mask 1); `mask(w)` changes that.
// Steps with no target have zero target and zero mask.
#pragma once

#include "rnnscope/core/rng.h"
#include "rnnscope/tasks/task.h"
#include "rnnscope/tasks/timing.h"

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rnnscope::tasks {

// One finished trial, before batching.
struct Trial {
  int64_t steps = 0;
  std::vector<float> inputs;            // [steps, n_inputs]
  std::vector<float> targets;           // [steps, n_outputs]
  std::vector<float> mask;              // [steps]
  std::vector<int64_t> period_bounds;   // [n_periods, 2] start/end steps, TaskInfo::periods order
  std::map<std::string, double> conditions;
};

class TrialDraft;

// Step ranges [start, end) of one or more periods of a draft.
using StepRanges = std::vector<std::pair<int64_t, int64_t>>;

// Writes input values over the steps of some periods. Chainable.
class InputWriter {
 public:
  InputWriter& set(double value, const std::string& group);  // every channel of the group
  InputWriter& set(const std::vector<double>& values, const std::string& group);
  InputWriter& add(double value, const std::string& group);
  InputWriter& add(const std::vector<double>& values, const std::string& group);
  // Adds N(0, (sigma / sqrt(dt_ms))^2) per step and channel, neurogym's convention: noise of
  // a fixed strength per unit time, so the per-step standard deviation grows as dt shrinks.
  // Without a group, applies to the group written last through this writer.
  InputWriter& add_noise(double sigma);
  InputWriter& add_noise(double sigma, const std::string& group);

 private:
  friend class TrialDraft;
  InputWriter(TrialDraft& draft, StepRanges ranges) : draft_(&draft), ranges_(std::move(ranges)) {}
  InputWriter& write(const std::vector<double>& values, const std::string& group, bool add);
  TrialDraft* draft_;
  StepRanges ranges_;
  std::string last_group_;
};

// Writes targets (and the loss mask) over the steps of some periods. Chainable.
class TargetWriter {
 public:
  // Cross-entropy tasks: one-hot target on channel k of `group` (all other output channels
  // zero); mask 1.
  TargetWriter& set_class(int64_t k, const std::string& group);
  // Real-valued targets on the channels of `group` (other channels unchanged); mask 1.
  TargetWriter& set(double value, const std::string& group);
  TargetWriter& set(const std::vector<double>& values, const std::string& group);
  // The loss weight of these steps, in [0, 1].
  TargetWriter& mask(double weight);

 private:
  friend class TrialDraft;
  TargetWriter(TrialDraft& draft, StepRanges ranges) : draft_(&draft), ranges_(std::move(ranges)) {}
  TrialDraft* draft_;
  StepRanges ranges_;
};

// A trial whose periods are laid out; inputs, targets and mask start at zero.
class TrialDraft {
 public:
  // The steps of one period or of several (an initializer list beats std::string's
  // iterator-pair constructor for `{"a", "b"}`, so that form means two periods).
  InputWriter input(const std::string& period) { return input(std::vector<std::string>{period}); }
  InputWriter input(std::initializer_list<std::string> periods) { return input(std::vector<std::string>(periods)); }
  InputWriter input(const std::vector<std::string>& periods) { return InputWriter(*this, ranges(periods)); }
  TargetWriter target(const std::string& period) { return target(std::vector<std::string>{period}); }
  TargetWriter target(std::initializer_list<std::string> periods) { return target(std::vector<std::string>(periods)); }
  TargetWriter target(const std::vector<std::string>& periods) { return TargetWriter(*this, ranges(periods)); }

  int64_t steps() const { return trial_.steps; }
  int64_t start(const std::string& period) const;
  int64_t end(const std::string& period) const;
  double dt_ms() const { return dt_ms_; }

  // The trial with its labels (ground truth, coherence, …); every trial of a task gives the
  // same condition names. Moves the trial out: the draft is spent.
  Trial finish(std::map<std::string, double> conditions);

 private:
  friend class TrialBuilder;
  friend class InputWriter;
  friend class TargetWriter;
  TrialDraft(const TaskInfo& info, double dt_ms, Rng& rng) : info_(&info), dt_ms_(dt_ms), rng_(&rng) {}
  StepRanges ranges(const std::vector<std::string>& periods) const;
  int64_t period_index(const std::string& period) const;

  const TaskInfo* info_;
  double dt_ms_;
  Rng* rng_;
  Trial trial_;
};

// Makes trials of one task: owns nothing, refers to the task's description, timing, dt and
// the trial's random generator.
class TrialBuilder {
 public:
  TrialBuilder(const TaskInfo& info, const Timing& timing, double dt_ms, Rng& rng)
      : info_(info), timing_(timing), dt_ms_(dt_ms), rng_(rng) {}

  // A draw from the timing entry `key`, in ms (for periods whose duration a task computes).
  double sample_ms(const std::string& key) { return timing_.sample_ms(key, rng_); }
  double dt_ms() const { return dt_ms_; }

  // Lays out TaskInfo::periods in order. A period's duration is `durations_ms[period]` when
  // given, else a draw from the timing entry of the same name; each rounds to whole steps.
  TrialDraft periods(const std::map<std::string, double>& durations_ms = {});

 private:
  const TaskInfo& info_;
  const Timing& timing_;
  double dt_ms_;
  Rng& rng_;
};

}  // namespace rnnscope::tasks
