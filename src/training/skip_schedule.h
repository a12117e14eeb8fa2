// The training-only long-dependency methods of Soo, Goudar & Wang (NeurIPS 2023) as a trainer
// schedule (docs/long_deps.md): skip connections through time (SCTT) or dynamics-aligned
// skips (DASC), annealed away so that the network the user keeps is a plain CTRNN.
#pragma once

#include "training/trainer.h"

namespace rnnscope::rnn {

struct SkipScheduleOptions {
  TemporalSkip::Kind kind = TemporalSkip::Kind::sctt;
  int64_t theta = 10;        // skip length in steps (train.skip_steps)
  double beta_init = 0;      // β of the first stage (train.beta_init)
  int64_t stages = 1;        // equal steps of β from beta_init to 1 (train.stages)
  int64_t stage_steps = 500; // optimiser steps per stage (train.stage_steps)
};

// Stage k = step / stage_steps trains with β_k = beta_init + (1 − beta_init)·k/stages while
// k < stages; from stage `stages` on the skip is off (β = 1): plain training to criterion or
// budget. Derived from the step alone, so a resumed run sets what the uninterrupted one did.
// Unlike the published code, a stage does not end early when the skip-trained network meets
// the criterion: the criterion is checked on the reverted network only.
class SkipSchedule final : public Schedule {
 public:
  explicit SkipSchedule(const SkipScheduleOptions& options);
  void before_step(int64_t step, RecurrentModel& model, torch::optim::Optimizer& optimizer) override;
  // "stage", "beta", "theta" (θ = 1 once the skip is off).
  std::vector<std::pair<std::string, double>> record(int64_t step) const override;
  // The skip of optimiser step `step`.
  TemporalSkip skip_at(int64_t step) const;

 private:
  SkipScheduleOptions options_;
};

}  // namespace rnnscope::rnn
