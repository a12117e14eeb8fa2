// The rank of learning on trajectories of known structure (decomp/learning_rank.h) and the
// --ranks grammar (requests/learning.h).
#include "rnnscope/core/error.h"
#include "rnnscope/decomp/learning_rank.h"
#include "rnnscope/requests/learning.h"

#include <gtest/gtest.h>

#include <random>

using namespace rnnscope;

namespace {

// W_s = W_0 + Σ_{k ≤ s} c_k u vᵀ: every update and every cumulative change has rank 1.
decomp::WeightTrajectory rank_one_trajectory(int64_t snapshots, int64_t rows, int64_t cols) {
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal;
  std::vector<double> u(static_cast<size_t>(rows)), v(static_cast<size_t>(cols));
  for (auto& x : u) x = normal(gen);
  for (auto& x : v) x = normal(gen);
  decomp::WeightTrajectory t;
  t.rows = rows;
  t.cols = cols;
  t.values.resize(size_t(snapshots * rows * cols));
  for (auto& x : t.values) x = normal(gen);  // W_0 in the first block, overwritten below
  for (int64_t s = 0; s < snapshots; ++s) {
    t.steps.push_back(10 * s);
    if (s == 0) continue;
    const double c = 1.0 + 0.5 * normal(gen);
    for (int64_t e = 0; e < rows * cols; ++e) {
      t.values[size_t(s * rows * cols + e)] = t.values[size_t((s - 1) * rows * cols + e)] + c * u[size_t(e / cols)] * v[size_t(e % cols)];
    }
  }
  return t;
}

}  // namespace

TEST(LearningRank, RankOneUpdatesAreFitExactlyByOneComponent) {
  decomp::LearningRankOptions options;
  options.ranks = {1, 2};
  options.cp.set_threads(1).set_restarts(2);
  const auto r = decomp::analyze_learning_rank(rank_one_trajectory(6, 7, 5), options);
  ASSERT_EQ(r.cp_relative_error.size(), 2u);
  EXPECT_LT(r.cp_relative_error[0], 1e-8);
  EXPECT_LT(r.cumulative_cp_relative_error[0], 1e-8);
  EXPECT_EQ(r.update_singular_values.rows(), 5);
  EXPECT_EQ(r.update_singular_values.cols(), 5);
  EXPECT_EQ(r.update_matrix_rank, std::vector<int64_t>(5, 1));
  EXPECT_EQ(r.cumulative_matrix_rank, std::vector<int64_t>(5, 1));
  for (double e : r.update_effective_rank) EXPECT_NEAR(e, 1.0, 1e-12);
}

TEST(LearningRank, BadInputsAreErrors) {
  decomp::LearningRankOptions options;
  auto t = rank_one_trajectory(3, 4, 4);
  auto one = t;
  one.steps.resize(1);
  one.values.resize(16);
  EXPECT_THROW(decomp::analyze_learning_rank(one, options), Error);
  auto unsorted = t;
  unsorted.steps = {0, 20, 10};
  EXPECT_THROW(decomp::analyze_learning_rank(unsorted, options), Error);
  auto still = t;
  for (int64_t e = 16; e < 48; ++e) still.values[size_t(e)] = still.values[size_t(e % 16)];
  EXPECT_THROW(decomp::analyze_learning_rank(still, options), Error);
  options.ranks = {2, 0};
  EXPECT_THROW(decomp::analyze_learning_rank(t, options), Error);
  options.ranks = {};
  EXPECT_THROW(decomp::analyze_learning_rank(t, options), Error);
}
