// The two passes over a dense 3-way tensor that CP-ALS and its compression are made of, on
// the unfolding X_(12) [I·J, K] (row i·J + j is the fibre X[i, j, :], contiguous in a
// row-major tensor). Both stream the tensor once, row by row, with the small operand in cache.
#pragma once

#include "rnnscope/linalg/dense.h"

#include <cstdint>

namespace rnnscope::decomp::detail {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A tensor [I, J, K] in row-major order, not owned.
struct TensorView {
  const double* x;
  int64_t i, j, k;
  Eigen::Map<const RowMatrix> unfolding() const { return Eigen::Map<const RowMatrix>(x, i * j, k); }
};

// out [I·J, R] = X_(12) M for M [K, R]: each row a set of R dot products of length K.
// (Unlike a general GEMM, which packs — copies — the tensor on every call, this reads it once.)
void times_last_mode(const TensorView& t, const linalg::Matrix& m, RowMatrix& out);

// out [K, R] = X_(12)ᵀ W for W [I·J, R]: R scaled additions of each fibre into the output,
// which stays in cache.
void transposed_times(const TensorView& t, const RowMatrix& w, linalg::Matrix& out);

// The contractions of Y = X_(12) M [I·J, R] that finish an MTTKRP (J = b.rows(), I = a.rows()):
// out[i, :] = Σ_j Y[i·J + j, :] ∘ B[j, :]  and  out[j, :] = Σ_i Y[i·J + j, :] ∘ A[i, :].
void contract_mode1(const RowMatrix& y, const linalg::Matrix& b, linalg::Matrix& out);
void contract_mode0(const RowMatrix& y, const linalg::Matrix& a, linalg::Matrix& out);

// The Khatri–Rao product A ⊙ B [I·J, R]: row i·J + j is A[i, :] ∘ B[j, :].
void khatri_rao(const linalg::Matrix& a, const linalg::Matrix& b, RowMatrix& out);

}  // namespace rnnscope::decomp::detail
