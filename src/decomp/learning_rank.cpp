// The rank of learning (include/rnnscope/decomp/learning_rank.h).
#include "rnnscope/decomp/learning_rank.h"

#include "rnnscope/core/error.h"

#include <cmath>
#include <string>

namespace rnnscope::decomp {
namespace {

void check(const WeightTrajectory& t, const LearningRankOptions& options) {
  const int64_t snapshots = int64_t(t.steps.size());
  require(snapshots >= 2, "the rank of learning needs at least two weight snapshots, got " +
                              std::to_string(snapshots) + " (save them more often: train.save_weights_every)");
  for (int64_t s = 1; s < snapshots; ++s) {
    require(t.steps[size_t(s)] > t.steps[size_t(s - 1)], "snapshot steps must increase");
  }
  require(t.rows >= 1 && t.cols >= 1 && int64_t(t.values.size()) == snapshots * t.rows * t.cols,
          "weight snapshots: " + std::to_string(t.values.size()) + " values do not fill [" + std::to_string(snapshots) +
              ", " + std::to_string(t.rows) + ", " + std::to_string(t.cols) + "]");
  for (double v : t.values) require(std::isfinite(v), "weight snapshots hold a NaN or infinity");
  require(!options.ranks.empty(), "ranks: give at least one CP rank");
  for (int r : options.ranks) require(r >= 1, "ranks: " + std::to_string(r) + " is not a CP rank (>= 1)");
  require(options.rank_tolerance > 0 && options.rank_tolerance < 1,
          "rank_tolerance must lie in (0, 1), got " + std::to_string(options.rank_tolerance));
}

// [rows, cols, S−1] with entry (i, j, s−1) = W_s[i, j] − W_{base(s)}[i, j]: the update
// tensor (base = s − 1) or the cumulative change (base = 0).
Tensor3 change_tensor(const WeightTrajectory& t, bool cumulative) {
  const int64_t changes = int64_t(t.steps.size()) - 1, matrix = t.rows * t.cols;
  Tensor3 x;
  x.dims = {t.rows, t.cols, changes};
  x.values.resize(size_t(matrix * changes));
  for (int64_t s = 1; s <= changes; ++s) {
    const double* now = t.values.data() + s * matrix;
    const double* base = t.values.data() + (cumulative ? 0 : s - 1) * matrix;
    for (int64_t e = 0; e < matrix; ++e) x.values[size_t(e * changes + s - 1)] = now[e] - base[e];
  }
  return x;
}

// Slice k of a [rows, cols, K] tensor as a matrix.
Matrix slice(const Tensor3& x, int64_t k) {
  Matrix m(x.dims[0], x.dims[1]);
  for (int64_t i = 0; i < x.dims[0]; ++i) {
    for (int64_t j = 0; j < x.dims[1]; ++j) m(i, j) = x.values[size_t((i * x.dims[1] + j) * x.dims[2] + k)];
  }
  return m;
}

Vector singular_values(const Matrix& m) {
  // svd() refuses nothing finite; an all-zero update has all-zero singular values.
  return m.isZero(0) ? Vector::Zero(std::min(m.rows(), m.cols())) : linalg::svd(m).s;
}

int64_t numerical_rank(const Vector& s, double tolerance) {
  int64_t rank = 0;
  if (s.size() == 0 || s(0) == 0) return 0;
  for (Eigen::Index i = 0; i < s.size(); ++i) rank += s(i) > tolerance * s(0) ? 1 : 0;
  return rank;
}

double participation_ratio(const Vector& s) {
  const double sum2 = s.squaredNorm(), sum4 = s.array().pow(4).sum();
  return sum4 > 0 ? sum2 * sum2 / sum4 : 0.0;
}

bool all_zero(const Tensor3& x) {
  for (double v : x.values) {
    if (v != 0) return false;
  }
  return true;
}

}  // namespace

LearningRank analyze_learning_rank(const WeightTrajectory& trajectory, const LearningRankOptions& options) {
  check(trajectory, options);
  const Tensor3 updates = change_tensor(trajectory, false);
  const Tensor3 cumulative = change_tensor(trajectory, true);
  require(!all_zero(updates), "the weight never changed between snapshots: there is no learning to decompose");

  LearningRank out;
  out.steps = trajectory.steps;
  out.ranks = options.ranks;
  const int64_t changes = updates.dims[2];
  out.update_singular_values.resize(changes, std::min(trajectory.rows, trajectory.cols));
  for (int64_t k = 0; k < changes; ++k) {
    const Vector s = singular_values(slice(updates, k));
    out.update_singular_values.row(k) = s.transpose();
    out.update_matrix_rank.push_back(numerical_rank(s, options.rank_tolerance));
    out.update_effective_rank.push_back(participation_ratio(s));
    out.cumulative_matrix_rank.push_back(numerical_rank(singular_values(slice(cumulative, k)), options.rank_tolerance));
  }
  for (int rank : options.ranks) {
    CpOptions cp = options.cp;
    cp.rank = rank;
    const CpFit fit = cp_als(updates, cp);
    out.cp_relative_error.push_back(fit.best.relative_error);
    out.cp_iterations.push_back(fit.best.iterations);
    out.cumulative_cp_relative_error.push_back(cp_als(cumulative, cp).best.relative_error);
  }
  return out;
}

}  // namespace rnnscope::decomp
