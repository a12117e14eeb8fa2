// Products on the process's BLAS when it has one (include/rnnscope/linalg/dense_product.h).
//
// dgemm_ is referred to weakly: in a program that links LibTorch it resolves to the wheel's
// BLAS (the one that src/linalg/gemm.cpp declares and binds strongly), and in one that does
// not (the torch-free CLI) it stays null and Eigen does the product. No second BLAS is linked.
#include "rnnscope/linalg/dense_product.h"

#include "rnnscope/core/error.h"

#include <climits>
#include <string>

extern "C" void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
                       const double* beta, double* c, const int* ldc) __attribute__((weak));

namespace rnnscope::linalg {

bool product_has_blas() { return dgemm_ != nullptr; }

Matrix product(const Eigen::Ref<const Matrix>& a, bool transpose_a, const Eigen::Ref<const Matrix>& b,
               bool transpose_b) {
  const Eigen::Index m = transpose_a ? a.cols() : a.rows(), k = transpose_a ? a.rows() : a.cols();
  const Eigen::Index kb = transpose_b ? b.cols() : b.rows(), n = transpose_b ? b.rows() : b.cols();
  require(k == kb, "product: inner dimensions differ (" + std::to_string(k) + " and " + std::to_string(kb) + ")");
  Matrix c(m, n);
  if (m == 0 || n == 0) return c;
  const auto fits = [](Eigen::Index v) { return v <= INT_MAX; };
  if (dgemm_ == nullptr || k == 0 || !fits(m) || !fits(n) || !fits(k) || !fits(a.outerStride()) ||
      !fits(b.outerStride())) {
    if (transpose_a && transpose_b) c.noalias() = a.transpose() * b.transpose();
    else if (transpose_a) c.noalias() = a.transpose() * b;
    else if (transpose_b) c.noalias() = a * b.transpose();
    else c.noalias() = a * b;
    return c;
  }
  // Eigen's default storage is column-major, as the Fortran BLAS's.
  const char ta = transpose_a ? 'T' : 'N', tb = transpose_b ? 'T' : 'N';
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  const int lda = static_cast<int>(a.outerStride()), ldb = static_cast<int>(b.outerStride()), ldc = mi;
  const double one = 1, zero = 0;
  dgemm_(&ta, &tb, &mi, &ni, &ki, &one, a.data(), &lda, b.data(), &ldb, &zero, c.data(), &ldc);
  return c;
}

}  // namespace rnnscope::linalg
