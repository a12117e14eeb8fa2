// Recordings as the trainer's data source and their masked-MSE objective
// (training/recording_fit.h).
#include "training/recording_fit.h"

#include "training/loss_internal.h"

#include "rnnscope/core/rng.h"

#include <limits>

namespace rnnscope::rnn {

template <class T>
torch::Tensor time_major(const std::vector<T>& trial_major, int64_t trials, int64_t steps, int64_t width) {
  // from_blob only views the buffer; the float conversion makes the copy the tensor owns.
  return torch::from_blob(const_cast<T*>(trial_major.data()), {trials, steps, width}, c10::CppTypeToScalarType<T>::value)
      .transpose(0, 1)
      .to(torch::kFloat32)
      .contiguous();
}
template torch::Tensor time_major(const std::vector<double>&, int64_t, int64_t, int64_t);
template torch::Tensor time_major(const std::vector<uint8_t>&, int64_t, int64_t, int64_t);

torch::Tensor recording_inputs(const decomp::Recordings& rec) {
  return rec.inputs > 0 ? time_major(rec.input_values, rec.trials, rec.steps, rec.inputs)
                        : torch::zeros({rec.steps, rec.trials, 0});
}

RecordingDataSource::RecordingDataSource(const decomp::Recordings& rec, const std::vector<uint8_t>& train_mask,
                                         const std::vector<uint8_t>& test_mask, double trial_dropout, uint64_t seed)
    : trial_dropout_(trial_dropout), seed_(seed) {
  train_.targets = time_major(rec.activity, rec.trials, rec.steps, rec.neurons);
  train_.inputs = recording_inputs(rec);
  train_.mask = time_major(train_mask, rec.trials, rec.steps, rec.neurons);
  eval_ = train_;
  eval_.mask = time_major(test_mask, rec.trials, rec.steps, rec.neurons);
}

TrainBatch RecordingDataSource::train_batch(int64_t step) {
  if (trial_dropout_ <= 0) return train_;
  const int64_t trials = train_.targets.size(1);
  Rng rng = Rng::derive(seed_, "trial-dropout", uint64_t(step));
  std::vector<float> keep(static_cast<size_t>(trials));
  for (auto& k : keep) k = rng.bernoulli(trial_dropout_) ? 0.0f : 1.0f;
  TrainBatch batch = train_;
  batch.mask = train_.mask * torch::tensor(keep).view({1, trials, 1});
  return batch;
}

RecordingObjective::RecordingObjective(double state_l2, double data_variance, int64_t patience, double tolerance)
    : state_l2_(state_l2), data_variance_(data_variance), patience_(patience), tolerance_(tolerance) {}

torch::Tensor RecordingObjective::loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel&) {
  torch::Tensor loss = masked_squared_error(out.outputs, batch.targets, batch.mask);
  // Σ x² / numel: the model's kernel sums it when it can (and takes its gradient inside its
  // own backward); else the norm reads the states once and writes no [T, K, N] temporary.
  if (state_l2_ > 0) {
    const torch::Tensor squares = out.state_sq_sum.defined() ? out.state_sq_sum : out.states.norm().pow(2);
    loss = loss + state_l2_ * squares / double(out.states.numel());
  }
  return loss;
}

Metrics RecordingObjective::score(const SequenceOutput& out, const TrainBatch& batch) {
  const double mse =
      ((out.outputs - batch.targets).pow(2) * batch.mask).sum().item<double>() / std::max(1.0, batch.mask.sum().item<double>());
  const double nmse = mse / data_variance_;
  // The plateau rule's state advances here, once per evaluation.
  if (nmse < best_ * (1 - tolerance_)) {
    best_ = nmse;
    since_best_ = 0;
  } else {
    ++since_best_;
  }
  return Metrics{{nmse}, {}};
}

bool RecordingObjective::reached(const Metrics&, size_t) const { return patience_ > 0 && since_best_ >= patience_; }

}  // namespace rnnscope::rnn
