// Cognitive tasks in neurogym's semantics: a trial is a sequence of named periods with
// durations in ms (fixed or sampled), and each period shows given values on named input
// channels and asks for given targets on named output channels. A batch pads trials of
// different lengths to the longest; padding has zero input, zero target and zero mask.
#pragma once

#include "rnnscope/core/params.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rnnscope::tasks {

enum class LossKind {
  cross_entropy,  // targets are one-hot over the output channels; outputs are logits
  mse,            // targets are real values; outputs are compared directly
};

// A named group of consecutive channels ("fixation": 1, "stimulus": 2, …).
struct ChannelGroup {
  std::string name;
  int64_t size = 1;
  std::string doc;
};

struct TaskInfo {
  std::string name;
  std::string description;   // one paragraph: what the trial is
  std::string criterion;     // when a trial counts as correct, in words
  std::vector<std::string> periods;       // in trial order
  std::vector<ChannelGroup> inputs;
  std::vector<ChannelGroup> outputs;
  LossKind loss = LossKind::cross_entropy;
  double default_target_accuracy = 0.9;   // criterion used by training when none is set
  // The conditions that are labels or indices (choices, contexts, bits): int64 in eval files
  // and numpy arrays; the others (coherences, durations, angles) are real numbers.
  std::vector<std::string> integer_conditions;
  // Parameters every evaluation sets over the configured ones: the Yang family trains on
  // jittered epochs and is evaluated on the nominal ones (jitter_ms = 0, MISSION.md §1).
  Json evaluation_params = Json::object();
  int64_t n_inputs() const;
  int64_t n_outputs() const;
  bool is_integer_condition(const std::string& condition) const;
};

// Where a named channel group sits among the channels: [offset, offset + size).
struct ChannelSpan {
  int64_t offset = 0;
  int64_t size = 0;
};
// Error listing the group names when `name` is not one of `groups`.
ChannelSpan channel_span(const std::vector<ChannelGroup>& groups, const std::string& name);
// Position of `period` in info.periods; Error listing the periods when it is not there.
int64_t period_index(const TaskInfo& info, const std::string& period);

// A batch of trials, time-major like the models: arrays are row-major.
struct Batch {
  int64_t steps = 0;      // T (longest trial)
  int64_t trials = 0;     // B
  int64_t n_inputs = 0;
  int64_t n_outputs = 0;
  double dt_ms = 0;
  std::vector<float> inputs;    // [T, B, n_inputs]
  std::vector<float> targets;   // [T, B, n_outputs]
  std::vector<float> mask;      // [T, B]; 1 where the loss counts
  // Per-trial labels (ground truth, coherence, delay in ms, …), each [B].
  std::map<std::string, std::vector<double>> conditions;
  // Period p of trial b spans steps [start, end): period_bounds[(p * B + b) * 2 + {0, 1}],
  // periods in TaskInfo::periods order. A period of zero length has start == end.
  std::vector<int64_t> period_bounds;
  std::vector<int64_t> trial_steps;  // [B] length of each trial before padding
};

class Task {
 public:
  virtual ~Task() = default;
  virtual const TaskInfo& info() const = 0;
  // The fully resolved parameters (dt, timing, task-specific ones), as in config.toml [task].
  virtual const Json& params() const = 0;
  // `n` trials drawn from a generator seeded with `seed`: same seed, same batch.
  virtual Batch batch(int64_t n, uint64_t seed) const = 0;
  // Per trial, whether the network's outputs [T, B, n_outputs] (logits for cross-entropy
  // tasks) meet the task's criterion. Only steps inside each trial are looked at.
  virtual std::vector<uint8_t> score(const Batch& batch, const float* outputs) const = 0;
};

// "cross_entropy" or "mse", as written to files and shown to Python.
const char* loss_name(LossKind kind);

// Fraction of `correct` that is non-zero.
double accuracy(const std::vector<uint8_t>& correct);

}  // namespace rnnscope::tasks
