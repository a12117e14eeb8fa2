// CP factors after the fit (include/rnnscope/decomp/cp.h): the canonical form, the factor
// congruence between two decompositions or two sets of columns (with the optimal one-to-one
// matching of their components) and the reconstruction of the tensor.
#include "decomp/cp_internal.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace rnnscope::decomp {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The index of the column's entry of largest magnitude; of entries whose magnitudes agree to
// 1e-9 (relative) the first, so that rounding cannot choose (as linalg::svd's signs).
Eigen::Index dominant_entry(const Eigen::Ref<const Vector>& column) {
  const double largest = column.cwiseAbs().maxCoeff();
  Eigen::Index i = 0;
  while (std::abs(column(i)) < (1 - 1e-9) * largest) ++i;
  return i;
}

// The one-to-one matching of rows to columns of the square `score` with the largest total:
// the Hungarian method (Kuhn 1955) in its O(n³) shortest-augmenting-path form with row and
// column potentials, run on the costs −score. Returns match[row] = column.
std::vector<Eigen::Index> best_matching(const Matrix& score) {
  const Eigen::Index n = score.rows();
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based internally: index 0 is the virtual column from which each augmenting path starts.
  std::vector<double> row_potential(size_t(n + 1), 0), col_potential(size_t(n + 1), 0);
  std::vector<Eigen::Index> row_of_col(size_t(n + 1), 0), previous_col(size_t(n + 1), 0);
  for (Eigen::Index row = 1; row <= n; ++row) {
    row_of_col[0] = row;
    Eigen::Index col = 0;
    std::vector<double> slack(size_t(n + 1), inf);
    std::vector<bool> used(size_t(n + 1), false);
    do {  // grow the alternating tree until it reaches a free column
      used[size_t(col)] = true;
      const Eigen::Index r = row_of_col[size_t(col)];
      double delta = inf;
      Eigen::Index next = 0;
      for (Eigen::Index c = 1; c <= n; ++c) {
        if (used[size_t(c)]) continue;
        const double reduced = -score(r - 1, c - 1) - row_potential[size_t(r)] - col_potential[size_t(c)];
        if (reduced < slack[size_t(c)]) {
          slack[size_t(c)] = reduced;
          previous_col[size_t(c)] = col;
        }
        if (slack[size_t(c)] < delta) {
          delta = slack[size_t(c)];
          next = c;
        }
      }
      for (Eigen::Index c = 0; c <= n; ++c) {
        if (used[size_t(c)]) {
          row_potential[size_t(row_of_col[size_t(c)])] += delta;
          col_potential[size_t(c)] -= delta;
        } else {
          slack[size_t(c)] -= delta;
        }
      }
      col = next;
    } while (row_of_col[size_t(col)] != 0);
    do {  // flip the path's matched and unmatched edges
      const Eigen::Index prev = previous_col[size_t(col)];
      row_of_col[size_t(col)] = row_of_col[size_t(prev)];
      col = prev;
    } while (col != 0);
  }
  std::vector<Eigen::Index> match(static_cast<size_t>(n));
  for (Eigen::Index c = 1; c <= n; ++c) match[size_t(row_of_col[size_t(c)] - 1)] = c - 1;
  return match;
}

// |cosine| between every column of `a` and every column of `b` (0 where either is zero).
Matrix abs_cosines(const Matrix& a, const Matrix& b) {
  Matrix c = (a.transpose() * b).cwiseAbs();
  const Vector na = a.colwise().norm(), nb = b.colwise().norm();
  for (Eigen::Index r = 0; r < c.rows(); ++r)
    for (Eigen::Index s = 0; s < c.cols(); ++s) {
      const double denominator = na(r) * nb(s);
      c(r, s) = denominator > 0 ? std::min(1.0, c(r, s) / denominator) : 0.0;
    }
  return c;
}

}  // namespace

namespace detail {

CpFactors canonical_factors(const std::array<Matrix, 3>& raw) {
  const Eigen::Index rank = raw[0].cols();
  Vector weights = Vector::Ones(rank);
  std::array<Matrix, 3> unit = raw;
  for (auto& f : unit)
    for (Eigen::Index r = 0; r < rank; ++r) {
      const double norm = f.col(r).norm();
      weights(r) *= norm;
      if (norm > 0) f.col(r) /= norm;
    }
  for (Eigen::Index r = 0; r < rank; ++r) {
    if (weights(r) == 0) {  // one zero column makes the whole component zero
      for (auto& f : unit) f.col(r).setZero();
      continue;
    }
    for (int m = 0; m < 2; ++m)
      if (unit[size_t(m)](dominant_entry(unit[size_t(m)].col(r)), r) < 0) {
        unit[size_t(m)].col(r) *= -1;
        unit[2].col(r) *= -1;
      }
  }
  std::vector<Eigen::Index> order(static_cast<size_t>(rank));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index x, Eigen::Index y) { return weights(x) > weights(y); });
  CpFactors out;
  out.weights.resize(rank);
  for (size_t m = 0; m < 3; ++m) out.factors[m].resize(unit[m].rows(), rank);
  for (Eigen::Index r = 0; r < rank; ++r) {
    const Eigen::Index from = order[size_t(r)];
    out.weights(r) = weights(from);
    for (size_t m = 0; m < 3; ++m) out.factors[m].col(r) = unit[m].col(from);
  }
  return out;
}

}  // namespace detail

double factor_congruence(const CpFactors& a, const CpFactors& b) {
  const Eigen::Index rank = a.factors[0].cols();
  for (size_t m = 0; m < 3; ++m) {
    require(a.factors[m].cols() == rank && b.factors[m].cols() == rank,
            "factor_congruence: the two decompositions must have the same rank, got " +
                std::to_string(a.factors[m].cols()) + " and " + std::to_string(b.factors[m].cols()) + " components");
    require(a.factors[m].rows() == b.factors[m].rows(),
            "factor_congruence: mode " + std::to_string(m) + " has " + std::to_string(a.factors[m].rows()) +
                " rows in one decomposition and " + std::to_string(b.factors[m].rows()) + " in the other");
  }
  require(rank > 0, "factor_congruence: the decompositions have no components");
  Matrix score = Matrix::Ones(rank, rank);
  for (size_t m = 0; m < 3; ++m) score = score.cwiseProduct(abs_cosines(a.factors[m], b.factors[m]));
  const auto match = best_matching(score);
  double total = 0;
  for (Eigen::Index r = 0; r < rank; ++r) total += score(r, match[size_t(r)]);
  return total / double(rank);
}

double column_congruence(const Matrix& a, const Matrix& b) {
  require(a.rows() == b.rows(), "column_congruence: the columns have " + std::to_string(a.rows()) + " and " +
                                    std::to_string(b.rows()) + " entries");
  require(a.cols() > 0 && b.cols() > 0, "column_congruence: both matrices need at least one column");
  // Zero rows or columns pad the scores to a square: a padded pair scores 0, so the best
  // square matching restricted to real pairs is the best rectangular one.
  const Eigen::Index n = std::max(a.cols(), b.cols());
  Matrix score = Matrix::Zero(n, n);
  score.topLeftCorner(a.cols(), b.cols()) = abs_cosines(a, b);
  const auto match = best_matching(score);
  double total = 0;
  for (Eigen::Index r = 0; r < n; ++r) total += score(r, match[size_t(r)]);
  return total / double(std::min(a.cols(), b.cols()));
}

Tensor3 cp_reconstruct(const CpFactors& cp) {
  const Matrix& a = cp.factors[0];
  const Matrix& b = cp.factors[1];
  const Matrix& c = cp.factors[2];
  const Eigen::Index rank = a.cols();
  require(cp.weights.size() == rank && b.cols() == rank && c.cols() == rank,
          "cp_reconstruct: the factors and weights must have the same number of components");
  Tensor3 out;
  out.dims = {a.rows(), b.rows(), c.rows()};
  const int64_t ij = out.dims[0] * out.dims[1], k = out.dims[2];
  out.values.resize(size_t(ij * k));
  // Slab i of the unfolding X_(12) [I·J, K] is (B diag(w ∘ A[i, :])) Cᵀ.
  const Matrix bc_t = c.transpose();
  Eigen::Map<RowMatrix> x(out.values.data(), ij, k);
  for (int64_t i = 0; i < out.dims[0]; ++i)
    x.middleRows(i * out.dims[1], out.dims[1]).noalias() =
        (b * a.row(i).cwiseProduct(cp.weights.transpose()).asDiagonal()) * bc_t;
  return out;
}

}  // namespace rnnscope::decomp
