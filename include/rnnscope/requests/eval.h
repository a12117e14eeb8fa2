// `rnnscope eval` / `rnnscope.evaluate`: run a trained network (its run directory) on fresh
// trials; the eval record is the one layout of the eval file and the Python dict.
#pragma once

#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"
#include "rnnscope/tasks/task.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct EvalRequest {
  std::string run_dir;
  int64_t trials = 256;
  bool noise = true;                 // recurrent noise as in training
  std::optional<uint64_t> seed;      // default: derived from the run's seed
  std::string out;                   // eval file to write ("" = none)
  bool force = false;                // overwrite `out`
  double memory_limit_gb = 0;        // refuse trials whose memory estimate exceeds it (0: available)
  // A run with train.replicas = K > 1: evaluate replica k alone (0 <= k < K); unset, all K.
  std::optional<int64_t> replica;
  Door door = Door::cli;
};

struct EvalResult {
  tasks::Batch batch;                // inputs, targets, mask, conditions (time-major)
  std::vector<std::string> period_names;  // TaskInfo::periods, for batch.period_bounds
  tasks::LossKind loss = tasks::LossKind::cross_entropy;  // how to read outputs (logits or values)
  int64_t units = 0;
  // Networks evaluated: 1, or K for all replicas of a replicated run (a leading K on outputs,
  // states and correct, and one entry per replica in replica_accuracy and replica_loss).
  int64_t replicas = 1;
  std::vector<float> outputs;        // [K,] [T, B, n_outputs]
  std::vector<float> states;         // [K,] [T, B, units], state after each update
  std::vector<uint8_t> correct;      // [K,] [B]
  std::vector<double> replica_accuracy, replica_loss;  // [K]
  double accuracy = 0;               // mean over the replicas evaluated
  double loss_value = 0;             // the task's masked loss on these trials (mean over replicas)
  // /inputs, /targets, /mask, /outputs, /states [trials, T, …], /correct [trials],
  // /trial_steps [trials], /conditions/<name> [trials], /periods/<name> [trials, 2] (start,
  // end steps); attributes accuracy, loss (its value), loss_kind (cross_entropy: outputs
  // are logits; mse), dt (ms), input_channels and output_channels (comma-separated names),
  // and provenance: run, task, trials, noise, seed, version. All replicas of a replicated run:
  // /outputs, /states [K, trials, T, …], /correct [K, trials], /replica_accuracy and
  // /replica_loss [K], attribute replicas; one replica (`replica`): attribute replica.
  Record record;
};

EvalResult run_eval(const EvalRequest& request);

}  // namespace rnnscope::requests
