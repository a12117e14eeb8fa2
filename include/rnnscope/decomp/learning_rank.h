// The rank of learning (Pellegrino, Cayco-Gajic & Chadwick 2023, "Low Tensor Rank Learning of
// Neural Dynamics"): a weight matrix saved over training, its updates ΔW_s = W_s − W_{s−1}
// stacked into a tensor [N_out, N_in, S−1] and CP-decomposed for each rank, the cumulative
// changes W_s − W_0 likewise, and the matrix rank of each update. docs/ltr.md, "Rank of
// learning". Torch-free.
#pragma once

#include "rnnscope/decomp/cp.h"

#include <cstdint>
#include <vector>

namespace rnnscope::decomp {

// One weight matrix at S ≥ 2 points of training.
struct WeightTrajectory {
  std::vector<int64_t> steps;  // [S] optimiser steps done, increasing
  int64_t rows = 0;            // N_out
  int64_t cols = 0;            // N_in
  std::vector<double> values;  // [S, rows, cols], row-major
};

struct LearningRankOptions {
  std::vector<int> ranks{1, 2, 3, 4, 5};  // CP ranks to fit (each >= 1)
  // A singular value counts towards the numerical rank when it exceeds this times the largest
  // singular value of the same update. Snapshots are float32 and training runs in float32, so
  // rounding leaves singular values near 1e-6 of the largest; 1e-4 sits well above them.
  double rank_tolerance = 1e-4;
  CpOptions cp;  // its `rank` is set from `ranks`
};

struct LearningRank {
  std::vector<int64_t> steps;                        // [S]
  std::vector<int> ranks;                            // [R]
  std::vector<double> cp_relative_error;             // [R]: of the update tensor [N_out, N_in, S−1]
  std::vector<double> cumulative_cp_relative_error;  // [R]: of W_s − W_0, s = 1..S−1
  std::vector<int> cp_iterations;                    // [R]: ALS sweeps of the best restart
  Matrix update_singular_values;                     // [S−1, min(N_out, N_in)], descending
  std::vector<int64_t> update_matrix_rank;           // [S−1]: singular values > tolerance · largest
  // [S−1]: participation ratio of the squared singular values, (Σσ²)² / Σσ⁴ — the number of
  // equally strong directions with the same spread (1 for a rank-1 update; N for N equal ones).
  std::vector<double> update_effective_rank;
  std::vector<int64_t> cumulative_matrix_rank;       // [S−1]: of W_s − W_0
};

// Errors: fewer than two snapshots, steps not increasing, values of the wrong size or not
// finite, an empty or malformed `ranks` (a rank < 1), rank_tolerance outside (0, 1), all
// updates zero (the weight never changed: nothing to decompose).
LearningRank analyze_learning_rank(const WeightTrajectory& trajectory, const LearningRankOptions& options);

}  // namespace rnnscope::decomp
