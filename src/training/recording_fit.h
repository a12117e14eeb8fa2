// The trainer-seam parts of fitting a model to recordings (docs/ltr.md): the recordings as a
// full-batch data source with trial dropout, and a masked-MSE objective that scores held-out
// entries and stops when their error stops falling. Private to the LibTorch library.
#pragma once

#include "training/trainer.h"

#include "rnnscope/decomp/recordings.h"

namespace rnnscope::rnn {

// Every optimiser step sees all trials (the model simulates them together); the training
// mask [T, K, M] leaves out the cross-validation blocks and, per step, each trial with
// probability `trial_dropout` (from (seed, "trial-dropout", step), so a resumed fit draws
// the same). The evaluation batch's mask is the test mask (the training mask without CV).
// Tensors are time-major: activity [T, K, M], inputs [T, K, n_in].
class RecordingDataSource final : public DataSource {
 public:
  RecordingDataSource(const decomp::Recordings& zscored, const std::vector<uint8_t>& train_mask,
                      const std::vector<uint8_t>& test_mask, double trial_dropout, uint64_t seed);
  TrainBatch train_batch(int64_t step) override;
  const TrainBatch& eval_batch() override { return eval_; }

 private:
  TrainBatch train_;  // the undropped training batch
  TrainBatch eval_;
  double trial_dropout_;
  uint64_t seed_;
};

// loss = Σ mask (y − d)² / Σ mask + state_l2 · mean(x²); the evaluation metric (the trainer's
// loss) is the normalised MSE on the evaluation mask, Σ (y − d)² / Σ 1 over that mask divided
// by the data's variance. Stops once the metric has not improved by more than `tolerance`
// (relative) for `patience` evaluations in a row.
class RecordingObjective final : public Objective {
 public:
  RecordingObjective(double state_l2, double data_variance, int64_t patience, double tolerance);
  torch::Tensor loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel& model) override;
  Metrics score(const SequenceOutput& out, const TrainBatch& batch) override;
  bool reached(const Metrics& metrics, size_t replica) const override;
  std::string criterion() const override { return "plateau"; }

 private:
  double state_l2_;
  double data_variance_;
  int64_t patience_;
  double tolerance_;
  double best_ = std::numeric_limits<double>::infinity();
  int64_t since_best_ = 0;
};

// A float32 time-major tensor [T, K, width] of a trial-major [K, T, width] buffer (T: double
// for values, uint8_t for masks; instantiated for those two).
template <class T>
torch::Tensor time_major(const std::vector<T>& trial_major, int64_t trials, int64_t steps, int64_t width);

// The recordings' inputs as the model takes them, [T, K, n_in] (n_in = 0 without /inputs).
torch::Tensor recording_inputs(const decomp::Recordings& rec);

}  // namespace rnnscope::rnn
