// Comparisons of decoder normals (Lei, Ito & Bashivan, NeurIPS 2024, docs/nback.md): how
// orthogonal the one-vs-rest normals of a feature's values are, and how well one set of
// decoders maps onto another by a rotation and a common scale.
#pragma once

#include "rnnscope/geometry/decoders.h"
#include "rnnscope/linalg/dense.h"

namespace rnnscope::geometry {

// The orthogonalisation index O = mean over pairs i < j of 1 − |cos(w_i, w_j)| of the rows of
// normals [values, features]: 1 when they are mutually orthogonal, 0 when all are collinear.
// Errors: fewer than 2 rows, a row of zeros, a non-finite entry.
double orthogonalization_index(const linalg::Matrix& normals);

// The scale s and orthogonal R [features, features] minimising ‖s·A·R − B‖_F for decoder
// matrices A, B [classes, features] (orthogonal Procrustes, Schönemann 1966, then the least-
// squares scale s = tr(RᵀAᵀB) / ‖A‖²), and the relative residual ‖s·A·R − B‖_F / ‖B‖_F.
// R turns the span of A's and B's rows and fixes everything orthogonal to it. Unlike the SVD
// of the whole [features, features] product AᵀB, whose rotation outside that span is
// arbitrary (rounding decides it), this R is defined there too, so carrying another decoder
// by it (the swap test) has one answer; and it costs O(features · classes²), not
// O(features³) (a Jacobi SVD of 512 × 512 takes a second). Errors: as linalg::procrustes, A
// all zeros.
struct ScaledRotation {
  linalg::Matrix basis;  // [features, m]: orthonormal columns spanning A's and B's rows (m = min(2·classes, features))
  linalg::Matrix turn;   // [m, m]: R within that span, R = I + basis·(turn − I)·basisᵀ
  double scale = 1;
  double relative_residual = 0;
  // a·R for rows a [any, features], without forming R. Error: a of other features.
  linalg::Matrix rotate(const linalg::Matrix& a) const;
  linalg::Matrix rotation() const;  // R itself, [features, features]
};
ScaledRotation procrustes_with_scale(const linalg::Matrix& a, const linalg::Matrix& b);

// The decoder `from` carried into another space by the map: normals s·W·R, the same classes
// and intercepts, reading that space's samples through `into` (the scaling of the decoder the
// map was fitted towards; empty: none) (the reconstruction whose accuracy on the other space's
// samples says whether the two decoders differ by a rotation and a scale). Error: a map whose
// rotation does not fit the decoder's features.
LinearDecoder transformed(const LinearDecoder& from, const ScaledRotation& map, const FeatureScaling& into = {});

}  // namespace rnnscope::geometry
