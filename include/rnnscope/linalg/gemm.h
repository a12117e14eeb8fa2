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

// `count` independent products C_i = op(A_i) · op(B_i) + beta · C_i of the same shape, with
// A_i = a + i·stride_a, B_i = b + i·stride_b, C_i = c + i·stride_c (strides in elements): the
// per-step products of K replicas of one network (engine/ctrnn_kernel.cpp).
template <class T>
void gemm_batch(int64_t count, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
                int64_t stride_a, const T* b, int64_t ldb, int64_t stride_b, T beta, T* c, int64_t ldc,
                int64_t stride_c);

extern template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*,
                                 int64_t, float, float*, int64_t);
extern template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*,
                                  int64_t, double, double*, int64_t);
extern template void gemm_batch<float>(int64_t, bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, int64_t,
                                       const float*, int64_t, int64_t, float, float*, int64_t, int64_t);
extern template void gemm_batch<double>(int64_t, bool, bool, int64_t, int64_t, int64_t, const double*, int64_t,
                                        int64_t, const double*, int64_t, int64_t, double, double*, int64_t, int64_t);

}  // namespace rnnscope::linalg
