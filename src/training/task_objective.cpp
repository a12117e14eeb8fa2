// The task's loss, accuracy and criterion as the trainer's objective (training/run_parts.h).
#include "training/run_parts.h"

#include "training/loss_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/tasks/task.h"

namespace rnnscope::rnn {

TaskScore score_task_batch(const tasks::Task& task, const torch::Tensor& outputs, const TrainBatch& batch) {
  torch::NoGradGuard no_grad;
  TaskScore score;
  const auto values = outputs.contiguous();
  score.loss = task_loss(task.info().loss, values, batch.targets, batch.mask).item<double>();
  score.correct = task.score(*batch.trials, values.data_ptr<float>());
  score.accuracy = tasks::accuracy(score.correct);
  return score;
}

namespace {

// The recurrent matrix among a model's weight matrices: W_rec (ctrnn) or W_hh (gru, lstm).
torch::Tensor recurrent_matrix(const RecurrentModel& model) {
  for (const auto& [name, w] : model.weight_matrices()) {
    if (name == "W_rec" || name == "W_hh") return w;
  }
  throw Error("train.weight_l1: this model type has no recurrent weight matrix (W_rec or W_hh)");
}

}  // namespace

TaskObjective::TaskObjective(const tasks::Task& task, const Penalties& penalties, double target_accuracy)
    : task_(task), penalties_(penalties), target_accuracy_(target_accuracy) {}

torch::Tensor TaskObjective::loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel& model) {
  // With replicas, one loss per replica [K]: each replica's is what it would be alone.
  const int64_t K = model.replicas();
  torch::Tensor loss = task_loss(task_.info().loss, out.outputs, batch.targets, batch.mask);
  if (penalties_.rate_l2 > 0) loss = loss + penalties_.rate_l2 * replica_mean(out.rates.pow(2), K);
  if (penalties_.rate_l1 > 0) loss = loss + penalties_.rate_l1 * replica_mean(out.rates.abs(), K);
  if (penalties_.weight_l2 > 0) loss = loss + penalties_.weight_l2 * model.weight_penalty();
  if (penalties_.weight_l1 > 0) loss = loss + penalties_.weight_l1 * replica_mean(recurrent_matrix(model).abs(), K);
  return loss;
}

Metrics TaskObjective::score(const SequenceOutput& out, const TrainBatch& batch) {
  // A single network's outputs are [T, B, n_out]; K replicas' [K, T, B, n_out].
  Metrics metrics;
  const bool replicated = out.outputs.dim() == 4;
  for (int64_t k = 0; k < (replicated ? out.outputs.size(0) : 1); ++k) {
    const auto s = score_task_batch(task_, replicated ? out.outputs[k] : out.outputs, batch);
    metrics.loss.push_back(s.loss);
    metrics.accuracy.push_back(s.accuracy);
  }
  return metrics;
}

bool TaskObjective::reached(const Metrics& metrics, size_t replica) const {
  return metrics.accuracy.at(replica) >= target_accuracy_;
}

}  // namespace rnnscope::rnn
