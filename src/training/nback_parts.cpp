// N-back trials from feature banks as a data source, and their objective
// (src/training/nback_parts.h).
#include "training/nback_parts.h"

#include "training/loss_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"

namespace rnnscope::rnn {

namespace {

constexpr int64_t kAnswers = 3;  // match, non-match, no-action

int64_t task_count() { return static_cast<int64_t>(nback::all_tasks().size()); }

}  // namespace

NbackDataSource::NbackDataSource(FeatureBank training, FeatureBank heldout, NbackDataOptions options)
    : training_(std::move(training)), heldout_(std::move(heldout)), options_(std::move(options)) {
  require(options_.batch_size >= 1 && options_.eval_trials >= 1, "nback data: batch_size and eval_trials must be >= 1");
  require(training_.objects == heldout_.objects && training_.features.size(2) == heldout_.features.size(2),
          "nback data: the training and held-out banks must hold the same objects and features");
  require(training_.objects == int64_t{options_.stimuli.n_identities()} * options_.stimuli.n_locations(),
          "nback data: the banks' objects do not match the [stimuli] table");
  const uint64_t eval_seed = Rng::derive_seed(options_.seed, "nback-eval");
  eval_trials_ = nback::generate_trials(options_.stimuli, options_.sequences, options_.tasks, nback::ViewKind::heldout,
                                        eval_seed, 0, options_.eval_trials);
  eval_ = batch_of(eval_trials_, 0, heldout_, "nback-eval-view");
}

std::vector<nback::Trial> NbackDataSource::train_trials(int64_t step) const {
  return nback::generate_trials(options_.stimuli, options_.sequences, options_.tasks, nback::ViewKind::training,
                                options_.seed, step * options_.batch_size, options_.batch_size);
}

TrainBatch NbackDataSource::train_batch(int64_t step) {
  return batch_of(train_trials(step), step * options_.batch_size, training_, "nback-view");
}

TrainBatch NbackDataSource::batch_of(const std::vector<nback::Trial>& trials, int64_t first_trial,
                                     const FeatureBank& bank, const std::string& stream) const {
  const int64_t T = options_.sequences.frames, B = static_cast<int64_t>(trials.size());
  const int64_t F = bank.features.size(2), locations = options_.stimuli.n_locations();
  // Object and view of every (frame, trial), time-major, gathered from the bank in one index.
  std::vector<int64_t> entries(static_cast<size_t>(T * B));
  auto cue = torch::zeros({T, B, task_count()}, torch::kFloat32);
  auto targets = torch::zeros({T, B, kAnswers}, torch::kFloat32);
  auto cue_a = cue.accessor<float, 3>();
  auto targets_a = targets.accessor<float, 3>();
  for (int64_t b = 0; b < B; ++b) {
    const nback::Trial& trial = trials[static_cast<size_t>(b)];
    Rng rng = Rng::derive(options_.seed, stream, static_cast<uint64_t>(first_trial + b));
    for (int64_t t = 0; t < T; ++t) {
      const int64_t object = FeatureBank::object_index(trial.objects[static_cast<size_t>(t)], locations);
      entries[static_cast<size_t>(t * B + b)] = object * bank.views + rng.integer(bank.views);
      cue_a[t][b][trial.task] = 1;
      targets_a[t][b][trial.labels[static_cast<size_t>(t)]] = 1;
    }
  }
  const auto index = torch::from_blob(entries.data(), {T * B}, torch::kInt64);
  const auto features = bank.features.view({bank.objects * bank.views, F}).index_select(0, index).view({T, B, F});
  TrainBatch batch;
  batch.inputs = torch::cat({features, cue}, 2);
  batch.targets = targets;
  batch.mask = torch::ones({T, B}, torch::kFloat32);
  return batch;
}

std::vector<double> nback_task_accuracy(const SequenceOutput& out, const TrainBatch& batch) {
  torch::NoGradGuard no_grad;
  const int64_t tasks = task_count();
  const auto task = batch.inputs.narrow(2, batch.inputs.size(2) - tasks, tasks)[0].argmax(1);  // [B]
  const auto correct = out.outputs.argmax(2).eq(batch.targets.argmax(2)).to(torch::kFloat64).mean(0);  // [B]
  std::vector<double> accuracy(static_cast<size_t>(tasks), -1.0);
  for (int64_t k = 0; k < tasks; ++k) {
    const auto of_task = task.eq(k);
    if (of_task.any().item<bool>()) accuracy[static_cast<size_t>(k)] = correct.masked_select(of_task).mean().item<double>();
  }
  return accuracy;
}

torch::Tensor NbackObjective::loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel&) {
  return task_loss(tasks::LossKind::cross_entropy, out.outputs, batch.targets, batch.mask);
}

Metrics NbackObjective::score(const SequenceOutput& out, const TrainBatch& batch) {
  torch::NoGradGuard no_grad;
  const double loss = task_loss(tasks::LossKind::cross_entropy, out.outputs, batch.targets, batch.mask).item<double>();
  const double accuracy = out.outputs.argmax(2).eq(batch.targets.argmax(2)).to(torch::kFloat64).mean().item<double>();
  return Metrics{{loss}, {accuracy}};
}

}  // namespace rnnscope::rnn
