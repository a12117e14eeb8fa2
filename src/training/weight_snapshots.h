// The weight-snapshot recorder (train.save_weights_every): the model's weight matrices at step
// 0, every K optimiser steps and the last step, for the tensor rank of learning (docs/ltr.md).
#pragma once

#include "training/trainer.h"

#include <functional>

namespace rnnscope::rnn {

class WeightSnapshots final : public Recorder {
 public:
  using Writer = std::function<void(const runs::WeightHistory&)>;
  // `history`: what a resumed run has persisted so far (empty for a fresh run); `write`
  // stores the whole history (the run directory's weights_history.h5, atomically).
  WeightSnapshots(int64_t every_steps, runs::WeightHistory history, Writer write);

  void observe(int64_t steps_done, bool last, const RecurrentModel& model) override;
  void resume(int64_t steps_done) override;
  void persist() override { write_(history_); }

 private:
  int64_t every_steps_;
  runs::WeightHistory history_;
  Writer write_;
};

}  // namespace rnnscope::rnn
