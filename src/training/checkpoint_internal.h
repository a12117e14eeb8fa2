// Training checkpoints: model, optimiser state and the trainer's own progress, so that a
// resumed run ends bit-identical to an uninterrupted one (batches and noise are drawn from
// per-step seeds, so no generator state needs saving).
#pragma once

#include "training/trainer.h"

#include <string>

namespace rnnscope::rnn {

void save_checkpoint(const std::string& path, RecurrentModel& model, torch::optim::Optimizer& optimizer,
                     const TrainState& state);
TrainState load_checkpoint(const std::string& path, RecurrentModel& model, torch::optim::Optimizer& optimizer);

}  // namespace rnnscope::rnn
