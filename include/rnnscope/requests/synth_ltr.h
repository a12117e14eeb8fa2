// `rnnscope synth-ltr` / `rnnscope.synth_ltr`: synthetic recordings with a known answer, the
// test bed of fit-ltr (docs/ltr.md). The "planted" generator is a teacher ltrRNN with
// planted rank R: random unit factors Â, B̂, trial factors c_k that change smoothly over
// trials (a learning trajectory: each component moves by a sigmoid step at its own trial),
// condition-specific initial states and inputs, a random orthonormal readout and Gaussian
// observation noise.
#pragma once

#include "rnnscope/decomp/recordings.h"
#include "rnnscope/requests/door.h"

#include <cstdint>
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

}  // namespace rnnscope::requests
