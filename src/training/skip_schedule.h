// The training-only long-dependency methods of Soo, Goudar & Wang (NeurIPS 2023) as a trainer
// schedule (docs/long_deps.md): skip connections through time (SCTT), dynamics-aligned skips
// (DASC) or coarsened discretisation (CD), annealed away so that the network the user keeps
// is a plain CTRNN.
#pragma once

#include "training/trainer.h"

namespace rnnscope::rnn {

enum class LongDepMethod { sctt, dasc, cd };

struct SkipScheduleOptions {
  LongDepMethod method = LongDepMethod::sctt;
  int64_t theta = 10;        // skip length in steps (train.skip_steps)
  double beta_init = 0;      // β of the first stage (train.beta_init)
  int64_t stages = 1;        // equal steps of β from beta_init to 1 (train.stages)
  int64_t stage_steps = 500; // optimiser steps per stage (train.stage_steps)
};

// Stage k = step / stage_steps trains with β_k = beta_init + (1 − beta_init)·k/stages while
// k < stages (sctt, dasc), or (cd) at dt·θ_k with θ_k = round(θ − (θ − 1)·k/stages); from
// stage `stages` on the skip is off (β = 1, θ = 1): plain training to criterion or budget.
// Derived from the step alone, so a resumed run sets what the uninterrupted one did.
// Unlike the published code, a stage does not end early when the skip-trained network meets
// the criterion: the criterion is checked on the reverted network only.
class SkipSchedule final : public Schedule {
 public:
  explicit SkipSchedule(const SkipScheduleOptions& options);
  void before_step(int64_t step, RecurrentModel& model, DataSource& data,
                   torch::optim::Optimizer& optimizer) override;
  // "stage", "beta", "theta" (β = 1 for cd; θ = 1 once the method is off).
  std::vector<std::pair<std::string, double>> record(int64_t step) const override;
  // The skip of optimiser step `step` (none for cd) and its multiple of dt (1 but for cd).
  TemporalSkip skip_at(int64_t step) const;
  int64_t time_step_multiple_at(int64_t step) const;

 private:
  int64_t stage_at(int64_t step) const;

  SkipScheduleOptions options_;
};

}  // namespace rnnscope::rnn
