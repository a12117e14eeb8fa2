// Small dense linear algebra in double precision for the analyses (decoders, Procrustes
// alignment, CP-ALS, ltrRNN): least squares with optional ridge, thin SVD, symmetric eigen-
// decomposition, Cholesky factor and solve, orthogonal Procrustes. On Eigen 3 (header-only),
// so the torch-free library has them; none of it is a hot path. Every function checks its
// input and throws rnnscope::Error naming the function and what is wrong (shapes, a NaN or
// infinity, a matrix that is not symmetric or not positive definite).
#pragma once

#include <Eigen/Dense>

namespace rnnscope::linalg {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

// X [n, k] minimising ‖A X − B‖²_F + ridge · ‖X‖²_F for A [m, n], B [m, k] (each column of B
// is its own problem). ridge = 0: ordinary least squares; where A has not full column rank,
// the minimum-norm solution (as numpy.linalg.lstsq), from a complete orthogonal
// decomposition. ridge > 0: the ridge (Tikhonov) solution (AᵀA + ridge·I)⁻¹ AᵀB, computed as
// the least-squares solution of [A; √ridge·I] X = [B; 0] by QR, which never forms AᵀA (whose
// condition number is the square of A's). No column is exempt from the penalty: to fit an
// unpenalised intercept, centre A and B first. Errors: empty A, row counts that differ, a
// non-finite entry, ridge negative or not finite.
Matrix lstsq(const Matrix& a, const Matrix& b, double ridge = 0.0);

// Thin SVD A [m, n] = U diag(s) Vᵀ with r = min(m, n): U [m, r] and V [n, r] with
// orthonormal columns, s [r] ≥ 0 in descending order. Signs are fixed so that results are
// reproducible: in each column of U the entry of largest magnitude (the first of those that
// agree to 1e-9) is positive, the matching column of V flipped with it. Errors: empty A, a non-finite entry.
struct Svd {
  Matrix u;
  Vector s;
  Matrix v;
};
Svd svd(const Matrix& a);

// Eigen-decomposition of a symmetric A [n, n] = V diag(values) Vᵀ: values in descending
// order (largest first, like svd's s; unlike numpy.linalg.eigh), V's columns orthonormal
// eigenvectors, each signed as svd's U columns (its entry of largest magnitude positive).
// Errors: empty or non-square A, a non-finite entry, A not symmetric (an entry of A − Aᵀ
// larger than 1e-10 times A's largest entry).
struct Eigh {
  Vector values;
  Matrix vectors;
};
Eigh eigh(const Matrix& a);

// The lower-triangular Cholesky factor L of a symmetric positive definite A [n, n] = L Lᵀ.
// Errors: empty or non-square A, a non-finite entry, A not symmetric (as eigh), A not
// positive definite.
Matrix cholesky(const Matrix& a);

// X [n, k] solving (L Lᵀ) X = B [n, k] for a factor L [n, n] from cholesky (only its lower
// triangle is read): two triangular solves. Errors: shapes that do not match, a non-finite
// entry, a diagonal entry of L that is not positive.
Matrix cholesky_solve(const Matrix& l, const Matrix& b);

// The orthogonal R [n, n] minimising ‖A R − B‖_F for A, B [m, n] (Schönemann 1966): with
// AᵀB = U Σ Vᵀ, R = U Vᵀ. R may be a reflection (det −1); the scale and translation are the
// caller's (centre and scale A and B first). Errors: empty A, shapes that differ, a
// non-finite entry.
Matrix procrustes(const Matrix& a, const Matrix& b);

}  // namespace rnnscope::linalg
