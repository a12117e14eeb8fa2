// Task trials as the trainer's data source (training/run_parts.h).
#include "training/run_parts.h"

#include "rnnscope/core/rng.h"

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
      eval_(task_train_batch(task.batch(eval_trials, Rng::derive_seed(seed, "eval-batch")), units, seed,
                             "eval-noise", 0)) {}

TrainBatch TaskDataSource::train_batch(int64_t step) {
  return task_train_batch(task_.batch(batch_size_, Rng::derive_seed(seed_, "train-batch", uint64_t(step))), units_,
                          seed_, "train-noise", uint64_t(step));
}

}  // namespace rnnscope::rnn
