// A run's parts built from its resolved config — the task and the model — for the train and
// eval requests, and the task-based parts of the trainer seam: task trials as a data source,
// the task's loss and accuracy as the objective.
#pragma once

#include "training/trainer.h"

#include "rnnscope/core/memory.h"
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

// Refuses (Error of kind memory_limit, before anything is allocated) batches of `trials`
// trials whose estimated memory exceeds `memory`: inputs, targets and mask in the task's
// vectors and as tensors, recurrent noise, and per replica the states the model keeps for
// backpropagation through time (`training`) or its outputs (evaluation). The trial length is
// that of the longest of a few sample trials. `what` and `argument` name the batch in the message.
void require_batch_memory(const tasks::Task& task, int64_t trials, int64_t units, int64_t replicas, bool training,
                          const std::string& what, const MemoryBudget& memory);

// Sets LibTorch's intra-op thread count (0 = all cores) and returns the count in use.
int64_t use_threads(int64_t requested);

// Time-major tensors of a task batch, with standard-normal recurrent noise for (seed, stream,
// index) unless `noise_stream` is empty.
TrainBatch task_train_batch(tasks::Batch batch, int64_t units, uint64_t seed, const std::string& noise_stream,
                            uint64_t noise_index);

// Trials of a task: batch k from (seed, "train-batch", k) with noise (seed, "train-noise", k);
// the evaluation set from (seed, "eval-batch") and (seed, "eval-noise", 0).
class TaskDataSource final : public DataSource {
 public:
  TaskDataSource(const tasks::Task& task, int64_t batch_size, int64_t eval_trials, int64_t units, uint64_t seed);
  TrainBatch train_batch(int64_t step) override;
  const TrainBatch& eval_batch() override { return eval_; }
  // The task rebuilt at dt·m (its periods recomputed at that step), for training batches.
  void set_time_step_multiple(int64_t m) override;

 private:
  const tasks::Task& task_;
  int64_t step_multiple_ = 1;
  std::unique_ptr<tasks::Task> coarse_task_;  // task_ at dt·step_multiple_, while that is > 1
  int64_t batch_size_;
  int64_t units_;
  uint64_t seed_;
  TrainBatch eval_;
};

// What scoring a task batch gives: the loss, each trial's success, their mean.
struct TaskScore {
  double loss = 0;
  std::vector<uint8_t> correct;
  double accuracy = 0;
};
// `outputs`: one network's [T, B, n_out] (one replica's).
TaskScore score_task_batch(const tasks::Task& task, const torch::Tensor& outputs, const TrainBatch& batch);

// The coefficients of the loss's penalties ([train] rate_l2, rate_l1, weight_l2, weight_l1):
// means of f(x)², |f(x)|, of every weight matrix's squares, and of |W_rec| (|W_hh|).
struct Penalties {
  double rate_l2 = 0, rate_l1 = 0, weight_l2 = 0, weight_l1 = 0;
};

// The task's masked loss (cross-entropy or MSE, tasks::LossKind) plus the penalties;
// accuracy by the task's own criterion; stops at a target accuracy.
class TaskObjective final : public Objective {
 public:
  TaskObjective(const tasks::Task& task, const Penalties& penalties, double target_accuracy);
  torch::Tensor loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel& model) override;
  Metrics score(const SequenceOutput& out, const TrainBatch& batch) override;
  bool reached(const Metrics& metrics, size_t replica) const override;
  std::string criterion() const override { return "target_accuracy"; }
  bool uses_states() const override { return false; }  // outputs, rates and weights only

 private:
  const tasks::Task& task_;
  Penalties penalties_;
  double target_accuracy_;
};

}  // namespace rnnscope::rnn
