// The task's loss, accuracy and criterion as the trainer's objective (training/run_parts.h).
#include "training/run_parts.h"

#include "training/loss_internal.h"

#include "rnnscope/tasks/task.h"

namespace rnnscope::rnn {

TaskScore score_task_batch(const tasks::Task& task, const SequenceOutput& out, const TrainBatch& batch) {
  torch::NoGradGuard no_grad;
  TaskScore score;
  score.loss = task_loss(task.info().loss, out.outputs, batch.targets, batch.mask).item<double>();
  const auto outputs = out.outputs.contiguous();
  score.correct = task.score(*batch.trials, outputs.data_ptr<float>());
  score.accuracy = tasks::accuracy(score.correct);
  return score;
}

TaskObjective::TaskObjective(const tasks::Task& task, double rate_l2, double weight_l2, double target_accuracy)
    : task_(task), rate_l2_(rate_l2), weight_l2_(weight_l2), target_accuracy_(target_accuracy) {}

torch::Tensor TaskObjective::loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel& model) {
  torch::Tensor loss = task_loss(task_.info().loss, out.outputs, batch.targets, batch.mask);
  if (rate_l2_ > 0) loss = loss + rate_l2_ * out.rates.pow(2).mean();
  if (weight_l2_ > 0) loss = loss + weight_l2_ * model.weight_penalty();
  return loss;
}

Metrics TaskObjective::score(const SequenceOutput& out, const TrainBatch& batch) {
  const auto s = score_task_batch(task_, out, batch);
  return Metrics{{s.loss}, {s.accuracy}};
}

bool TaskObjective::reached(const Metrics& metrics, size_t replica) const {
  return metrics.accuracy.at(replica) >= target_accuracy_;
}

}  // namespace rnnscope::rnn
