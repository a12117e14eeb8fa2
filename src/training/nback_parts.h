// The N-back parts of the trainer seam (docs/nback.md): trials drawn from the generator whose
// frames are looked up in banks of pre-computed CNN features (models/perception.h) — training
// views for training batches, held-out views for the evaluation set — and cross-entropy on
// every frame as the objective, with accuracy per task.
#pragma once

#include "models/nback_model.h"
#include "models/perception.h"
#include "training/trainer.h"

#include "rnnscope/nback/sequences.h"

#include <memory>
#include <vector>

namespace rnnscope::rnn {

struct NbackDataOptions {
  nback::StimulusConfig stimuli;
  nback::SequenceConfig sequences;
  std::vector<nback::NBackTask> tasks;  // the diet: one task, or several
  int64_t batch_size = 64;
  int64_t eval_trials = 256;
  uint64_t seed = 0;
};

// Batch k: the generator's trials k·batch_size … of (seed), each frame shown as one of the
// bank's views of its object, drawn by (seed, "nback-view", trial) — the bank's views stand in
// for the generator's, so a batch costs lookups, not renderings. The evaluation set: trials of
// (seed, "nback-eval") on the held-out bank. Inputs [frames, B, features + 9]: the features,
// then the one-hot cue of the trial's task id (over all nine, whatever the diet); targets the
// one-hot labels [frames, B, 3]; mask all ones (no-action frames count, as published).
class NbackDataSource final : public DataSource {
 public:
  NbackDataSource(FeatureBank training, FeatureBank heldout, NbackDataOptions options);
  TrainBatch train_batch(int64_t step) override;
  const TrainBatch& eval_batch() override { return eval_; }

  // The trials of batch `step` (what train_batch(step) shows).
  std::vector<nback::Trial> train_trials(int64_t step) const;
  const std::vector<nback::Trial>& eval_trials() const { return eval_trials_; }
  // A set of its own on the held-out bank (the analyses'): `count` trials of the diet drawn by
  // (seed, "nback-heldout"), each frame one of the bank's views drawn by (seed, trial).
  std::pair<std::vector<nback::Trial>, TrainBatch> heldout_set(uint64_t seed, int64_t count) const;

 private:
  // Each frame's view drawn by (view_seed, stream, trial).
  TrainBatch batch_of(const std::vector<nback::Trial>& trials, int64_t first_trial, const FeatureBank& bank,
                      uint64_t view_seed, const std::string& stream) const;

  FeatureBank training_, heldout_;
  NbackDataOptions options_;
  std::vector<nback::Trial> eval_trials_;
  TrainBatch eval_;
};

// Accuracy on every frame, per task id (-1 for a task with no trial in the batch), read from
// the batch's cue and targets.
std::vector<double> nback_task_accuracy(const SequenceOutput& out, const TrainBatch& batch);

// Cross-entropy on every frame (the fused task loss); accuracy = the fraction of frames
// answered right; stops at a target accuracy.
class NbackObjective final : public Objective {
 public:
  explicit NbackObjective(double target_accuracy) : target_accuracy_(target_accuracy) {}
  torch::Tensor loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel& model) override;
  Metrics score(const SequenceOutput& out, const TrainBatch& batch) override;
  bool reached(const Metrics& metrics, size_t replica) const override {
    return metrics.accuracy.at(replica) >= target_accuracy_;
  }
  std::string criterion() const override { return "target_accuracy"; }

 private:
  double target_accuracy_;
};

// An N-back run built from its resolved config ([task] name = "nback"; nback/run_params.h):
// the exemplars from Fashion-MNIST's test split and the feature banks by the run seed, the
// frozen CNN read from [perception] cnn, the cognitive stage around the [model] table.
struct NbackRun {
  std::shared_ptr<NbackModel> model;
  std::unique_ptr<NbackDataSource> data;
  std::vector<nback::NBackTask> diet;
  // What the summary reports of the front end: the CNN file's test_accuracy, and the
  // cross-validated decoding of category, identity and location from the held-out bank's
  // features ({"accuracy", "chance"} per feature; geometry/decoders.h).
  Json perception;
};
// Error: a CNN file that is missing or is not a perceptual CNN's (naming [perception] cnn and
// how to write one), the data files' errors, a bank above its memory limit.
NbackRun build_nback_run(const Json& resolved);

// Accuracy on the evaluation set per task of the diet, by task name (the summary's
// task_accuracy).
Json nback_eval_task_accuracy(NbackModel& model, NbackDataSource& data, const std::vector<nback::NBackTask>& diet);

}  // namespace rnnscope::rnn
