// `rnnscope fit-ltr` / `rnnscope.fit_ltr`: fit a low-tensor-rank RNN (ltrRNN) to recordings,
// with cross-validated rank selection when several ranks are given (docs/ltr.md).
#pragma once

#include "rnnscope/decomp/recordings.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/training/progress.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct FitLtrRequest {
  std::string data_path;                          // a recordings file, or
  std::optional<decomp::Recordings> recordings;   // recordings in memory (Python)
  std::vector<int64_t> ranks = {1};               // several: cross-validated choice among them
  int64_t units = 200;                            // latent units N
  double dt_ms = 10;                              // width of a time bin
  double tau_ms = 50;                             // time constant
  int64_t substeps = 1;                           // Euler substeps per time bin
  double lr = 1e-3;                               // Adam learning rate
  int64_t max_iterations = 3000;                  // optimiser steps per fit (full batch)
  int64_t eval_every = 25;                        // iterations between checks of the stopping rule
  int64_t patience = 8;                           // checks without improvement before stopping (0: never)
  double tolerance = 1e-3;                        // relative improvement that counts
  double trial_dropout = 0.2;                     // share of trials left out of each step's loss
  double state_l2 = 0.01;                         // weight of mean(x²) in the loss
  double held_out_fraction = 0.1;                 // share of entries in cross-validation blocks
  double gp_length_trials = 15;                   // length scale of the trial factors' prior
  int64_t seeds = 1;                              // fits per rank in the cross-validation
  uint64_t seed = 0;
  int64_t threads = 0;                            // 0: all cores
  std::string out;                                // run directory ("" = none: Python in memory)
  bool force = false;
  // What is being fitted ("rank 3, seed 0 (cross-validation)") and its progress.
  std::function<void(const std::string& stage, const rnn::TrainProgress&)> progress;
  std::function<bool()> stop_requested;           // polled every iteration (Ctrl-C)
  Door door = Door::cli;
};

// A [ranks, seeds] row-major table of held-out errors averaged over its seeds.
inline std::vector<double> mean_over_seeds(const std::vector<double>& nmse, size_t ranks, int64_t seeds) {
  std::vector<double> mean(ranks, 0.0);
  for (size_t i = 0; i < ranks; ++i) {
    for (int64_t s = 0; s < seeds; ++s) mean[i] += nmse[i * size_t(seeds) + size_t(s)];
    mean[i] /= double(seeds);
  }
  return mean;
}

struct FitLtrResult {
  int64_t rank = 0, units = 0, trials = 0, steps = 0, neurons = 0;
  // The final fit (on all data, at the chosen rank): Â, B̂ [N, R], c [K, R], D [M, N],
  // fitted activity [K, T, M] in the data's units, variance explained per neuron [M] and
  // trial [K] and overall.
  std::vector<double> a, b, c, readout, fitted_activity, variance_explained_neuron, variance_explained_trial;
  double variance_explained = 0;
  int64_t iterations = 0;
  std::string stop_reason;
  // Rank selection (empty with one rank): held-out normalised MSE [ranks, seeds], the rank-r
  // PCA reference [ranks], the chosen rank.
  std::vector<int64_t> ranks;
  std::vector<double> heldout_nmse, pca_unexplained;
  int64_t seeds = 0;
  Json summary;

  // The held-out NMSE averaged over the seeds: one value per rank of `ranks`.
  std::vector<double> mean_heldout_nmse() const { return mean_over_seeds(heldout_nmse, ranks.size(), seeds); }
};

FitLtrResult run_fit_ltr(const FitLtrRequest& request);

}  // namespace rnnscope::requests
