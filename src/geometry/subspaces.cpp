// Orthogonality of decoder normals and their alignment by a scaled rotation
// (include/rnnscope/geometry/subspaces.h).
#include "rnnscope/geometry/subspaces.h"

#include "rnnscope/core/error.h"

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

ScaledRotation procrustes_with_scale(const linalg::Matrix& a, const linalg::Matrix& b) {
  ScaledRotation out;
  out.rotation = linalg::procrustes(a, b);
  const double a_norm = a.squaredNorm();
  require(a_norm > 0, "procrustes: a is all zeros; no scale maps it onto b");
  const linalg::Matrix rotated = a * out.rotation;
  out.scale = rotated.cwiseProduct(b).sum() / a_norm;
  const double b_norm = b.norm();
  out.relative_residual = (out.scale * rotated - b).norm() / (b_norm > 0 ? b_norm : 1.0);
  return out;
}

LinearDecoder transformed(const LinearDecoder& from, const ScaledRotation& map) {
  require(map.rotation.rows() == from.normals.cols() && map.rotation.cols() == from.normals.cols(),
          "procrustes: the rotation is " + std::to_string(map.rotation.rows()) + " x " +
              std::to_string(map.rotation.cols()) + " but the decoder has " + std::to_string(from.normals.cols()) +
              " features");
  return {from.classes, map.scale * from.normals * map.rotation, from.intercepts};
}

}  // namespace rnnscope::geometry
