// Private helpers shared by the CP files: the factors' canonical form and the compression.
#pragma once

#include "decomp/contractions_internal.h"

#include "rnnscope/decomp/cp.h"

namespace rnnscope::decomp::detail {

// Raw factors (any column scales and signs) in CpFactors' canonical form: unit-norm columns,
// the product of the three norms as the weight, components sorted by weight (descending,
// stable), signs fixed as cp.h states. A component with a zero column keeps zero columns and
// weight 0. relative_error, iterations and converged are left for the caller.
CpFactors canonical_factors(const std::array<Matrix, 3>& raw);

// A Tucker compression X ≈ core ×₁ U ×₂ V ×₃ W with orthonormal bases [dims[m], L_m].
struct Compression {
  std::array<Matrix, 3> bases;
  Tensor3 core;  // [L_0, L_1, L_2]
};

// The number of columns kept per mode for a rank-R fit, before the cap at the dimension.
int compression_width(int rank);

// Whether compressing pays: the core has at most a quarter of the tensor's entries.
bool worth_compressing(const std::array<int64_t, 3>& dims, int rank);

// The bases from a randomised range finder per mode (Halko, Martinsson & Tropp 2011) whose
// test matrices are Khatri–Rao products of Gaussian matrices, so the sketches of all three
// unfoldings cost two passes over X (randomised Tucker sketches use such structured maps,
// e.g. Sun, Guo, Luo, Tropp & Udell 2020), then the core: three passes in all. A mode whose width reaches its dimension keeps
// the identity basis.
Compression compress(const TensorView& tensor, int rank, uint64_t seed);

}  // namespace rnnscope::decomp::detail
