// Small dense linear algebra on Eigen (include/rnnscope/linalg/dense.h): input checks that
// throw rnnscope::Error, then one Eigen decomposition each.
#include "rnnscope/linalg/dense.h"

#include "rnnscope/core/error.h"

#include <cmath>
#include <string>

namespace rnnscope::linalg {
namespace {

std::string shape_text(const Matrix& m) {
  return "[" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "]";
}

void require_nonempty(const Matrix& m, const std::string& fn, const std::string& name) {
  require(m.size() > 0, fn + ": " + name + " is empty (shape " + shape_text(m) + ")");
}

void require_square(const Matrix& m, const std::string& fn, const std::string& name) {
  require_nonempty(m, fn, name);
  require(m.rows() == m.cols(), fn + ": " + name + " must be square, got shape " + shape_text(m));
}

void require_finite(const Matrix& m, const std::string& fn, const std::string& name) {
  require(m.allFinite(), fn + ": " + name + " contains a non-finite value (NaN or infinity)");
}

// Eigen's symmetric solvers read one triangle only, so an asymmetric input would be answered
// for a matrix the caller never passed: refuse it instead.
void require_symmetric(const Matrix& m, const std::string& fn, const std::string& name) {
  const double scale = m.cwiseAbs().maxCoeff();
  const double asymmetry = (m - m.transpose()).cwiseAbs().maxCoeff();
  require(asymmetry <= 1e-10 * scale, fn + ": " + name + " is not symmetric (largest |a_ij − a_ji| = " +
                                          std::to_string(asymmetry) + ")");
}

// Flips columns of `u` (and the same columns of `v`, when given) so that each column's entry
// of largest magnitude is positive: decompositions are unique only up to these signs, and
// fixed signs make results reproducible across Eigen versions and machines. Of entries whose
// magnitudes agree to 1e-9 (relative), the first counts, so that rounding cannot pick.
void fix_signs(Matrix& u, Matrix* v) {
  for (Eigen::Index j = 0; j < u.cols(); ++j) {
    const double largest = u.col(j).cwiseAbs().maxCoeff();
    Eigen::Index i = 0;
    while (std::abs(u(i, j)) < (1 - 1e-9) * largest) ++i;
    if (u(i, j) < 0) {
      u.col(j) *= -1;
      if (v) v->col(j) *= -1;
    }
  }
}

}  // namespace

Matrix lstsq(const Matrix& a, const Matrix& b, double ridge) {
  require_nonempty(a, "lstsq", "a");
  require(a.rows() == b.rows(), "lstsq: a " + shape_text(a) + " and b " + shape_text(b) +
                                    " must have the same number of rows");
  require_finite(a, "lstsq", "a");
  require_finite(b, "lstsq", "b");
  require(std::isfinite(ridge) && ridge >= 0, "lstsq: ridge = " + std::to_string(ridge) + " must be finite and >= 0");
  if (ridge == 0) return a.completeOrthogonalDecomposition().solve(b);
  const Eigen::Index m = a.rows(), n = a.cols();
  Matrix stacked(m + n, n);
  stacked.topRows(m) = a;
  stacked.bottomRows(n) = std::sqrt(ridge) * Matrix::Identity(n, n);
  Matrix rhs = Matrix::Zero(m + n, b.cols());
  rhs.topRows(m) = b;
  return stacked.colPivHouseholderQr().solve(rhs);
}

Svd svd(const Matrix& a) {
  require_nonempty(a, "svd", "a");
  require_finite(a, "svd", "a");
  Eigen::BDCSVD<Matrix> d(a, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Svd out{d.matrixU(), d.singularValues(), d.matrixV()};
  fix_signs(out.u, &out.v);
  return out;
}

Eigh eigh(const Matrix& a) {
  require_square(a, "eigh", "a");
  require_finite(a, "eigh", "a");
  require_symmetric(a, "eigh", "a");
  Eigen::SelfAdjointEigenSolver<Matrix> d(a);
  require(d.info() == Eigen::Success, "eigh: the eigen-decomposition did not converge");
  // Eigen sorts ascending; reverse both to largest first.
  Eigh out{d.eigenvalues().reverse(), d.eigenvectors().rowwise().reverse()};
  fix_signs(out.vectors, nullptr);
  return out;
}

Matrix cholesky(const Matrix& a) {
  require_square(a, "cholesky", "a");
  require_finite(a, "cholesky", "a");
  require_symmetric(a, "cholesky", "a");
  Eigen::LLT<Matrix> d(a);
  require(d.info() == Eigen::Success, "cholesky: a " + shape_text(a) + " is not positive definite");
  return d.matrixL();
}

Matrix cholesky_solve(const Matrix& l, const Matrix& b) {
  require_square(l, "cholesky_solve", "l");
  require(b.rows() == l.rows(), "cholesky_solve: b " + shape_text(b) + " must have as many rows as l " +
                                    shape_text(l));
  require_finite(l, "cholesky_solve", "l");
  require_finite(b, "cholesky_solve", "b");
  require((l.diagonal().array() > 0).all(),
          "cholesky_solve: l has a diagonal entry <= 0; it must be a Cholesky factor from cholesky()");
  const auto lower = l.triangularView<Eigen::Lower>();
  return lower.transpose().solve(lower.solve(b));
}

Matrix procrustes(const Matrix& a, const Matrix& b) {
  require_nonempty(a, "procrustes", "a");
  require(a.rows() == b.rows() && a.cols() == b.cols(),
          "procrustes: a " + shape_text(a) + " and b " + shape_text(b) + " must have the same shape");
  require_finite(a, "procrustes", "a");
  require_finite(b, "procrustes", "b");
  Eigen::JacobiSVD<Matrix> d(a.transpose() * b, Eigen::ComputeFullU | Eigen::ComputeFullV);
  return d.matrixU() * d.matrixV().transpose();
}

}  // namespace rnnscope::linalg
