// Training checkpoints: model, optimiser state and the trainer's own progress, so that a
// resumed run ends bit-identical to an uninterrupted one (batches and noise are drawn from
// per-step seeds, so no generator state needs saving).
#pragma once

#include "models/model_internal.h"

#include <string>
#include <vector>

namespace rnnscope::rnn {

struct TrainState {
  int64_t step = 0;
  bool finished = false;
  double train_seconds = 0;
  double eval_seconds = 0;
  double last_accuracy = -1;
  double loss_sum_since_eval = 0;   // running training loss between evaluations
  int64_t steps_since_eval = 0;
  std::vector<double> history_step, history_loss, history_accuracy, history_train_loss,
      history_wall_seconds;
};

void save_checkpoint(const std::string& path, RecurrentModel& model,
                     torch::optim::Optimizer& optimizer, const TrainState& state);
TrainState load_checkpoint(const std::string& path, RecurrentModel& model,
                           torch::optim::Optimizer& optimizer);

}  // namespace rnnscope::rnn
