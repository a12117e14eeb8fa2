// CP (CANDECOMP/PARAFAC) decomposition of dense 3-way tensors by alternating least squares
// (Carroll & Chang 1970; Harshman 1970), with extrapolation (Bro 1998), random restarts and
// an optional non-negative variant by HALS (Cichocki & Phan 2009). The algorithm, its
// choices and their references: docs/ltr.md, "CP decomposition". Torch-free (Eigen 3).
#pragma once

#include "rnnscope/linalg/dense.h"

#include <array>
#include <cstdint>
#include <vector>

namespace rnnscope::decomp {

using linalg::Matrix;
using linalg::Vector;

// A dense 3-way tensor [I, J, K], row-major (the last index fastest), as HDF5/numpy store it.
struct Tensor3 {
  std::array<int64_t, 3> dims{};
  std::vector<double> values;
};

struct CpOptions {
  int rank = 1;                 // number of components R (>= 1)
  int max_iterations = 500;     // ALS sweeps per restart (>= 1)
  double tolerance = 1e-9;      // stop when the relative error changes less than this
  bool nonnegative = false;     // non-negative factors (HALS updates instead of least squares)
  int restarts = 4;             // random initialisations; the best fit is kept (>= 1)
  uint64_t seed = 0;            // restart k draws from Rng::derive(seed, "cp_als", k)
  int threads = 0;              // restarts run in parallel on this many threads; 0 = all cores

  CpOptions& set_rank(int v) { rank = v; return *this; }
  CpOptions& set_max_iterations(int v) { max_iterations = v; return *this; }
  CpOptions& set_tolerance(double v) { tolerance = v; return *this; }
  CpOptions& set_nonnegative(bool v) { nonnegative = v; return *this; }
  CpOptions& set_restarts(int v) { restarts = v; return *this; }
  CpOptions& set_seed(uint64_t v) { seed = v; return *this; }
  CpOptions& set_threads(int v) { threads = v; return *this; }
};

// Factors with unit-norm columns, magnitudes in `weights` (descending), signs fixed
// reproducibly: in factors[0] and factors[1] each column's entry of largest magnitude is
// positive, the sign carried by factors[2]. factors[m] is [dims[m], R].
struct CpFactors {
  std::array<Matrix, 3> factors;
  Vector weights;
  double relative_error = 0;  // ‖X − X̂‖_F / ‖X‖_F
  int iterations = 0;         // ALS sweeps done
  bool converged = false;     // the error changed less than the tolerance before max_iterations
};

struct CpFit {
  CpFactors best;                      // the restart with the smallest relative error
  std::vector<double> restart_errors;  // relative error of each restart, in restart order
  double restart_similarity = 1;       // mean factor_congruence of the other restarts to the best (1 with one restart)
};

// Errors (rnnscope::Error): a dimension < 1, values.size() != I·J·K, a NaN or infinity, an
// all-zero tensor, rank < 1, max_iterations < 1, restarts < 1, a negative or NaN tolerance,
// threads < 0; with `nonnegative`, a negative entry. Deterministic for a fixed seed, whatever
// `threads` is.
CpFit cp_als(const Tensor3& tensor, const CpOptions& options);

// Mean over matched components (best one-to-one matching) of the product over modes of
// |cosine| between factor columns; 1 = identical up to permutation/sign/scale. Errors: the
// two have different shapes or ranks.
double factor_congruence(const CpFactors& a, const CpFactors& b);

// Mean |cosine| between the columns of `a` [n, Ra] and `b` [n, Rb] over the best one-to-one
// matching of min(Ra, Rb) pairs; 1 = the same columns up to order, sign and scale, a zero
// column matches nothing (0). Errors: different row counts, or no columns in either.
double column_congruence(const Matrix& a, const Matrix& b);

// X̂[i, j, k] = Σ_r w_r A[i, r] B[j, r] C[k, r].
Tensor3 cp_reconstruct(const CpFactors& factors);

}  // namespace rnnscope::decomp
