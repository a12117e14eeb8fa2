// `rnnscope synth-ltr` / `rnnscope.synth_ltr`: synthetic recordings, the test beds of fit-ltr
// (docs/ltr.md). Two generators:
// - "planted": a teacher ltrRNN with planted rank R: random unit factors Â, B̂, trial factors
//   c_k that change smoothly over trials (a learning trajectory: each component moves by a
//   sigmoid step at its own trial), condition-specific initial states and inputs, a random
//   orthonormal readout and Gaussian observation noise;
// - "reach": a task-trained network that learns during the recording. A CTRNN is trained on
//   centre_out_reach to the task's criterion, then adapts trial by trial with gradient
//   descent across three blocks — baseline (no rotation), perturbed (a visuomotor rotation),
//   washout (none again) — and its rates on every trial are the recordings.
#pragma once

#include "rnnscope/decomp/learning_rank.h"
#include "rnnscope/decomp/recordings.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/training/progress.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct SynthLtrRequest {
  int64_t rank = 2;             // planted rank R
  int64_t units = 50;           // teacher's latent units N
  int64_t neurons = 40;         // recorded neurons M
  int64_t trials = 120;         // K
  int64_t steps = 41;           // time bins per trial
  int64_t conditions = 4;       // C: initial states and input directions
  double dt_ms = 10;
  double tau_ms = 50;
  double noise = 0.05;          // observation noise, relative to the clean activity's std
  double learning_change = 1.0; // how far each trial factor moves over the trials (its mean is ≈ 2.5)
  uint64_t seed = 0;
  std::string out;              // recordings file ("" = none: Python in memory)
  bool force = false;
  Door door = Door::cli;
};

struct SynthLtrResult {
  decomp::Recordings recordings;
  // The teacher's Â, B̂ [N, R], trial factors c [K, R], readout D [M, N].
  std::vector<double> a, b, c, readout;
};

SynthLtrResult run_synth_ltr(const SynthLtrRequest& request);

struct SynthReachRequest {
  int64_t units = 64;            // the CTRNN's units
  int64_t neurons = 64;          // recorded: the rates of the first `neurons` units
  int64_t targets = 8;           // reach directions; trial k reaches to target k mod targets
  double rotation_deg = 30;      // the perturbation block's visuomotor rotation
  int64_t baseline = 40;         // trials per block
  int64_t perturbed = 120;
  int64_t washout = 80;
  int64_t pretrain_steps = 3000; // Adam steps at most before the recording (stops at criterion)
  double adapt_lr = 0.05;        // gradient-descent step size during the recording, one trial per step
  double noise = 0.05;           // observation noise, relative to the clean activity's std
  uint64_t seed = 0;
  int64_t threads = 0;           // 0: all cores
  std::string out;               // recordings file ("" = none: Python in memory)
  bool force = false;
  // What is being trained ("pretraining", "adaptation") and its progress.
  std::function<void(const std::string& stage, const rnn::TrainProgress&)> progress;
  std::function<bool()> stop_requested;  // polled every optimiser step (Ctrl-C)
  Door door = Door::cli;
};

struct SynthReachResult {
  // trial_info: block (0 baseline, 1 perturbed, 2 washout), rotation_deg, and
  // endpoint_error_deg (the cursor's direction at hold minus the target's, the behaviour);
  // condition: the target index.
  decomp::Recordings recordings;
  decomp::WeightTrajectory w_rec;  // W_rec before trial 0 and after every trial: [trials + 1, N, N]
  double dt_ms = 0, tau_ms = 0;    // the network's step and time constant (what a fit should use)
  int64_t pretrain_steps = 0;      // taken
  double pretrain_accuracy = 0;    // on the task's criterion, before the recording
};

SynthReachResult run_synth_reach(const SynthReachRequest& request);

}  // namespace rnnscope::requests
