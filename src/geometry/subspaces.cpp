// Orthogonality of decoder normals and their alignment by a scaled rotation
// (include/rnnscope/geometry/subspaces.h).
#include "rnnscope/geometry/subspaces.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace rnnscope::geometry {

double orthogonalization_index(const linalg::Matrix& normals) {
  require(normals.rows() >= 2 && normals.cols() >= 1,
          "orthogonalization_index: normals must have at least 2 rows (one per value) and one feature, got [" +
              std::to_string(normals.rows()) + ", " + std::to_string(normals.cols()) + "]");
  require(normals.allFinite(), "orthogonalization_index: normals contain a non-finite value (NaN or infinity)");
  const linalg::Vector norms = normals.rowwise().norm();
  for (Eigen::Index i = 0; i < norms.size(); ++i) {
    require(norms(i) > 0, "orthogonalization_index: row " + std::to_string(i) + " of normals is all zeros (no direction)");
  }
  double sum = 0;
  int64_t pairs = 0;
  for (Eigen::Index i = 0; i < normals.rows(); ++i) {
    for (Eigen::Index j = i + 1; j < normals.rows(); ++j) {
      const double cosine = normals.row(i).dot(normals.row(j)) / (norms(i) * norms(j));
      sum += 1 - std::min(1.0, std::abs(cosine));
      ++pairs;
    }
  }
  return sum / static_cast<double>(pairs);
}

// A's and B's rows lie in the span of `basis` Q, so ‖A·R − B‖ = ‖(AQ)·turn − BQ‖ for
// R = I + Q (turn − I) Qᵀ, and the singular values of (AQ)ᵀ(BQ) are those of AᵀB: the small
// Procrustes problem's minimum is the whole one's.
ScaledRotation procrustes_with_scale(const linalg::Matrix& a, const linalg::Matrix& b) {
  require(a.rows() == b.rows() && a.cols() == b.cols(), "procrustes: a [" + std::to_string(a.rows()) + ", " +
                                                            std::to_string(a.cols()) + "] and b [" + std::to_string(b.rows()) +
                                                            ", " + std::to_string(b.cols()) + "] must have the same shape");
  ScaledRotation out;
  const Eigen::Index features = a.cols(), m = std::min<Eigen::Index>(2 * a.rows(), features);
  linalg::Matrix rows(features, 2 * a.rows());
  rows << a.transpose(), b.transpose();
  out.basis = Eigen::HouseholderQR<linalg::Matrix>(rows).householderQ() * linalg::Matrix::Identity(features, m);
  out.turn = linalg::procrustes(a * out.basis, b * out.basis);
  const double a_norm = a.squaredNorm();
  require(a_norm > 0, "procrustes: a is all zeros; no scale maps it onto b");
  const linalg::Matrix rotated = out.rotate(a);
  out.scale = rotated.cwiseProduct(b).sum() / a_norm;
  const double b_norm = b.norm();
  out.relative_residual = (out.scale * rotated - b).norm() / (b_norm > 0 ? b_norm : 1.0);
  return out;
}

linalg::Matrix ScaledRotation::rotate(const linalg::Matrix& a) const {
  require(a.cols() == basis.rows(), "procrustes: the rotation is " + std::to_string(basis.rows()) + " x " +
                                        std::to_string(basis.rows()) + " but the decoder has " + std::to_string(a.cols()) +
                                        " features");
  const linalg::Matrix in_span = a * basis;
  return a + (in_span * turn - in_span) * basis.transpose();
}

linalg::Matrix ScaledRotation::rotation() const { return rotate(linalg::Matrix::Identity(basis.rows(), basis.rows())); }

LinearDecoder transformed(const LinearDecoder& from, const ScaledRotation& map, const FeatureScaling& into) {
  return {from.classes, map.scale * map.rotate(from.normals), from.intercepts, into};
}

}  // namespace rnnscope::geometry
