// What training reports as it goes (after every optimiser step), for progress displays.
#pragma once

#include <cstdint>
#include <functional>

namespace rnnscope::rnn {

struct TrainProgress {
  int64_t step = 0;            // optimiser steps done
  int64_t max_steps = 0;
  double loss = 0;             // training loss of the latest step
  double accuracy = -1;        // latest evaluation accuracy (mean over replicas), -1 before the first
  double steps_per_second = 0; // this session
  double eta_seconds = 0;      // to max_steps at the current rate; -1 while not known

  bool evaluated = false;      // this update follows an evaluation
};

using ProgressCallback = std::function<void(const TrainProgress&)>;

}  // namespace rnnscope::rnn
