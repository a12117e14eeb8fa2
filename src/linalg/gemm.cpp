// Row-major GEMM on the BLAS inside the torch wheel (include/rnnscope/linalg/gemm.h).
//
// This file is the one place that binds the Fortran BLAS symbols (dense_product.cpp refers to
// dgemm_ only weakly, for programs without LibTorch). The torch wheel bundles
// a BLAS and exports its Fortran entry points (MKL on x86-64, LP64: 32-bit ints), so every
// program that links LibTorch already has sgemm_/dgemm_. We call them rather than linking a
// second BLAS (OpenBLAS, the system's libblas): the two would export the same symbols, and
// which one a call binds to would depend on load order — a clash with the wheel's MKL and
// its threading. Going through ATen instead (at::addmm_out) adds ≈ 2 µs of dispatch per call,
// as much as the small per-step products of the recurrent kernels take.
#include "rnnscope/linalg/gemm.h"

#include "rnnscope/core/error.h"

#include <cassert>
#include <climits>
#include <string>

extern "C" {
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc);
}

namespace rnnscope::linalg {
namespace {

inline void blas_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const float* alpha,
                      const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
                      const int* ldc) {
  sgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void blas_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const double* alpha,
                      const double* a, const int* lda, const double* b, const int* ldb, const double* beta,
                      double* c, const int* ldc) {
  dgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int blas_int(int64_t v) {
  if (v < 0 || v > INT_MAX) {
    throw Error("gemm: matrix dimension " + std::to_string(v) + " exceeds the BLAS int range [0, " +
                std::to_string(INT_MAX) + "]");
  }
  return static_cast<int>(v);
}

}  // namespace

// BLAS is column-major and a row-major matrix is its column-major transpose, so this asks
// BLAS for Cᵀ[n, m] = op(B)ᵀ · op(A)ᵀ: the operands swap places, the flags stay.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  assert(lda >= (trans_a ? m : k) && ldb >= (trans_b ? k : n) && ldc >= n);
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  const int mi = blas_int(m), ni = blas_int(n), ki = blas_int(k);
  const int ldai = blas_int(lda), ldbi = blas_int(ldb), ldci = blas_int(ldc);
  const T one = 1;
  blas_gemm(&tb, &ta, &ni, &mi, &ki, &one, b, &ldbi, a, &ldai, &beta, c, &ldci);
}

// A loop of single products: at 50 units (a weight matrix in L1) each call is a few
// microseconds of arithmetic, and bench/RESULTS.md compares this with MKL's grouped batch.
template <class T>
void gemm_batch(int64_t count, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
                int64_t stride_a, const T* b, int64_t ldb, int64_t stride_b, T beta, T* c, int64_t ldc,
                int64_t stride_c) {
  for (int64_t i = 0; i < count; ++i) {
    gemm(trans_a, trans_b, m, n, k, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc);
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float,
                          float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t,
                           double, double*, int64_t);
template void gemm_batch<float>(int64_t, bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, int64_t,
                                const float*, int64_t, int64_t, float, float*, int64_t, int64_t);
template void gemm_batch<double>(int64_t, bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, int64_t,
                                 const double*, int64_t, int64_t, double, double*, int64_t, int64_t);

}  // namespace rnnscope::linalg
