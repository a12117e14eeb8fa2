// `rnnscope analyze-learning` / `rnnscope.analyze_learning`: the rank of learning of a run
// that saved weight snapshots (train.save_weights_every): CP error vs rank of the stacked
// updates and the matrix rank of each update (decomp/learning_rank.h), with the output policy
// and the record (the learning.h5 layout, docs/outputs.md) in one place.
#pragma once

#include "rnnscope/decomp/learning_rank.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct LearningRequest {
  std::string run_dir;
  std::string weight = "W_rec";  // a dataset of weights_history.h5 (model.h5's name)
  std::vector<int> ranks{1, 2, 3, 4, 5};
  double rank_tolerance = 1e-4;  // relative, for the numerical matrix rank
  int restarts = 4;              // CP-ALS random initialisations per rank
  int max_iterations = 500;      // ALS sweeps per restart
  uint64_t seed = 0;
  int threads = 0;               // CP restarts in parallel (0 = all cores)
  // A run with train.replicas = K > 1: analyse replica k alone (0 <= k < K); unset, all K.
  std::optional<int64_t> replica;
  std::optional<std::string> out;  // learning.h5 to write: unset = RUN/learning.h5, "" = none
  bool force = false;              // overwrite `out`
  Door door = Door::cli;
};

struct LearningResult {
  // One per network analysed: the run's one, one replica (`replica`), or every replica.
  std::vector<decomp::LearningRank> ranks;
  std::string out;  // the file written ("" = none)
  // /steps [S], /ranks [R], /cp_relative_error [R], /cumulative_cp_relative_error [R],
  // /cp_iterations [R], /update_singular_values [S−1, min(N_out, N_in)],
  // /update_matrix_rank [S−1], /update_effective_rank [S−1], /cumulative_matrix_rank [S−1];
  // attributes run, weight, rows, cols, snapshots, rank_tolerance, effective_rank,
  // cp_restarts, cp_max_iterations, seed, version. All K replicas of a replicated run: every
  // array but /steps and /ranks gains a leading [K], attribute replicas; one replica:
  // attribute replica.
  Record record;
};


LearningResult run_learning(const LearningRequest& request);

}  // namespace rnnscope::requests
