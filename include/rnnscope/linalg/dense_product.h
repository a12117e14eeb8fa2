// C = op(A) · op(B) on double-precision Eigen matrices, on the process's BLAS when it has one.
// The analyses' hot products (the decoders' passes over the samples, geometry/decoders.cpp)
// are tall-skinny: samples × features times a few columns. Eigen, compiled for the baseline
// x86-64 (SSE2), repacks the tall operand on every such product; the BLAS inside the torch
// wheel (MKL) runs them several times faster on the same CPU. A program that links LibTorch
// (the Python module, the CLI's torch plugin) has that BLAS; the CLI program on its own does
// not, and there the product is Eigen's. Both give the same numbers up to rounding.
#pragma once

#include "rnnscope/linalg/dense.h"

namespace rnnscope::linalg {

// op(X) is X or Xᵀ. Operands may be blocks of a matrix (columns with an outer stride).
Matrix product(const Eigen::Ref<const Matrix>& a, bool transpose_a, const Eigen::Ref<const Matrix>& b,
               bool transpose_b);

// Whether product() runs on a BLAS in this process (false: Eigen).
bool product_has_blas();

}  // namespace rnnscope::linalg
