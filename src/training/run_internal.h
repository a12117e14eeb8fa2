// What the trainer and the evaluator share: building a task and a model from a resolved
// run config, and scoring a model on a batch.
#pragma once

#include "models/model_internal.h"

#include "rnnscope/tasks/task.h"

#include <memory>
#include <string>

namespace rnnscope::rnn {

struct RunParts {
  Json config;                         // resolved
  std::unique_ptr<tasks::Task> task;
  std::shared_ptr<RecurrentModel> model;
  uint64_t seed = 0;
};

RunParts build_run(const Json& resolved_config);

// Builds the run in `dir` from its config.toml and model.h5.
RunParts load_run_dir(const std::string& dir);

struct BatchScore {
  SequenceOutput output;
  double loss = 0;
  std::vector<uint8_t> correct;
  double accuracy = 0;
};

// Runs `model` on `batch` without gradients. `noise`: standard-normal draws, or undefined.
BatchScore score_batch(RecurrentModel& model, const tasks::Task& task, const tasks::Batch& batch,
                       const torch::Tensor& noise);

// Sets LibTorch's intra-op thread count (0 = all cores) and returns the count in use.
int64_t use_threads(int64_t requested);

}  // namespace rnnscope::rnn
