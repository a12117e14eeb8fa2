// Task trials as the trainer's data source (training/run_parts.h).
#include "training/run_parts.h"

#include "rnnscope/core/rng.h"
#include "rnnscope/tasks/registry.h"

namespace rnnscope::rnn {

TrainBatch task_train_batch(tasks::Batch batch, int64_t units, uint64_t seed, const std::string& noise_stream,
                            uint64_t noise_index) {
  const auto tensors = to_tensors(batch);
  TrainBatch out;
  out.inputs = tensors.inputs;
  out.targets = tensors.targets;
  out.mask = tensors.mask;
  if (!noise_stream.empty()) {
    out.noise = standard_noise(batch.steps, batch.trials, units, seed, noise_stream, noise_index);
  }
  out.trials = std::move(batch);
  return out;
}

TaskDataSource::TaskDataSource(const tasks::Task& task, int64_t batch_size, int64_t eval_trials, int64_t units,
                               uint64_t seed)
    : task_(task),
      batch_size_(batch_size),
      units_(units),
      seed_(seed),
      eval_(task_train_batch(tasks::evaluation_task(task)->batch(eval_trials, Rng::derive_seed(seed, "eval-batch")),
                             units, seed, "eval-noise", 0)) {}

void TaskDataSource::set_time_step_multiple(int64_t m) {
  if (m == step_multiple_) return;
  step_multiple_ = m;
  coarse_task_.reset();
  if (m == 1) return;
  Json params = task_.params();
  params["dt"] = params.at("dt").get<double>() * double(m);
  coarse_task_ = tasks::make(task_.info().name, params, "[task] at dt * train.skip_steps");
}

TrainBatch TaskDataSource::train_batch(int64_t step) {
  const tasks::Task& task = coarse_task_ ? *coarse_task_ : task_;
  return task_train_batch(task.batch(batch_size_, Rng::derive_seed(seed_, "train-batch", uint64_t(step))), units_,
                          seed_, "train-noise", uint64_t(step));
}

}  // namespace rnnscope::rnn
