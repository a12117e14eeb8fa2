// Running a trained network (from its run directory) on fresh trials: `rnnscope eval`
// and `rnnscope.evaluate`.
#pragma once

#include "rnnscope/tasks/task.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnnscope::rnn {

struct EvalRequest {
  std::string run_dir;
  int64_t trials = 256;
  bool noise = true;                 // recurrent noise as in training
  std::optional<uint64_t> seed;      // default: derived from the run's seed
};

struct EvalResult {
  tasks::Batch batch;                // inputs, targets, mask, conditions (time-major)
  std::vector<std::string> period_names;  // TaskInfo::periods, for batch.period_bounds
  tasks::LossKind loss = tasks::LossKind::cross_entropy;  // how to read outputs (logits or values)
  int64_t units = 0;
  std::vector<float> outputs;        // [T, B, n_outputs]
  std::vector<float> states;         // [T, B, units], state after each update
  std::vector<uint8_t> correct;      // [B]
  double accuracy = 0;
};

EvalResult evaluate(const EvalRequest& request);

// Writes /inputs, /targets, /mask, /outputs, /states as [trials, T, …], /correct [trials],
// /conditions/<name> [trials], /periods/<name> [trials, 2] (start, end steps).
void write_eval(const EvalResult& result, const std::string& path);

}  // namespace rnnscope::rnn
