// Row-major general matrix products on the Fortran BLAS that the torch wheel bundles
// (src/linalg/gemm.cpp). For the fused recurrent kernels' per-step products, where ATen's
// dispatch (≈ 2 µs per at::addmm_out) costs as much as a 32×64×64 product. Defined in
// rnnscope_lib: its symbols resolve only in a program that links LibTorch.
#pragma once

#include <cstdint>

namespace rnnscope::linalg {

// C[m, n] = op(A)[m, k] · op(B)[k, n] + beta · C on row-major matrices, where op(X) is X or
// Xᵀ (trans_a, trans_b) and lda, ldb, ldc are the row strides in elements (≥ the stored
// width: k or m for A, n or k for B, n for C). With beta = 0, C need not be initialised
// (BLAS semantics). Nothing happens when m or n is 0; k = 0 gives C = beta · C. Throws
// rnnscope::Error when a dimension exceeds the BLAS's 32-bit int. Instantiated for float
// (sgemm_) and double (dgemm_).
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc);

extern template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*,
                                 int64_t, float, float*, int64_t);
extern template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*,
                                  int64_t, double, double*, int64_t);

}  // namespace rnnscope::linalg
