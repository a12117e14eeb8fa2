// Linear algebra (src/linalg): the BLAS GEMM shim against a naive triple loop, and the dense
// routines against hand-computed answers and their error messages.
#include "rnnscope/linalg/dense.h"
#include "rnnscope/linalg/dense_product.h"
#include "rnnscope/linalg/gemm.h"

#include "rnnscope/core/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace rnnscope::linalg {
namespace {

// ---------------------------------------------------------------------------------------
// gemm

// Row-major op(X)[i, j] for X stored with row stride ld.
template <class T>
T op_at(const std::vector<T>& x, int64_t ld, bool trans, int64_t i, int64_t j) {
  return trans ? x[j * ld + i] : x[i * ld + j];
}

template <class T>
void check_gemm(bool trans_a, bool trans_b, T beta) {
  const int64_t m = 5, n = 7, k = 3;
  // Leading dimensions wider than the stored widths, so that a wrong stride shows.
  const int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k, lda = a_cols + 2;
  const int64_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n, ldb = b_cols + 3;
  const int64_t ldc = n + 4;
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> dist(-1, 1);
  const T pad = T(1e6);
  std::vector<T> a(a_rows * lda, pad), b(b_rows * ldb, pad), c(m * ldc, pad);
  for (int64_t i = 0; i < a_rows; ++i)
    for (int64_t j = 0; j < a_cols; ++j) a[i * lda + j] = T(dist(rng));
  for (int64_t i = 0; i < b_rows; ++i)
    for (int64_t j = 0; j < b_cols; ++j) b[i * ldb + j] = T(dist(rng));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      // beta = 0 must not read C (BLAS semantics): NaN there must not reach the result.
      c[i * ldc + j] = beta == T(0) ? std::numeric_limits<T>::quiet_NaN() : T(dist(rng));
    }
  const std::vector<T> c_before = c;
  gemm<T>(trans_a, trans_b, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double expected = beta == T(0) ? 0.0 : double(beta) * double(c_before[i * ldc + j]);
      for (int64_t l = 0; l < k; ++l) {
        expected += double(op_at(a, lda, trans_a, i, l)) * double(op_at(b, ldb, trans_b, l, j));
      }
      EXPECT_NEAR(c[i * ldc + j], expected, tol) << "trans_a=" << trans_a << " trans_b=" << trans_b << " at (" << i
                                                 << ", " << j << ")";
    }
    // The padding between rows of C is left alone.
    for (int64_t j = n; j < ldc; ++j) EXPECT_EQ(c[i * ldc + j], pad);
  }
}

template <class T>
void check_all_transposes() {
  for (const bool ta : {false, true}) {
    for (const bool tb : {false, true}) {
      check_gemm<T>(ta, tb, T(0));
      check_gemm<T>(ta, tb, T(1));
      check_gemm<T>(ta, tb, T(0.5));
    }
  }
}

TEST(LinalgGemm, FloatMatchesNaiveLoopForAllTransposes) { check_all_transposes<float>(); }
TEST(LinalgGemm, DoubleMatchesNaiveLoopForAllTransposes) { check_all_transposes<double>(); }

TEST(LinalgGemm, EmptyProductsAndZeroDepth) {
  double c[4] = {1, 2, 3, 4};
  const double a[1] = {0}, b[1] = {0};
  gemm<double>(false, false, 0, 2, 3, a, 3, b, 2, 0.0, c, 2);  // m = 0: nothing happens
  gemm<double>(false, false, 2, 0, 3, a, 3, b, 1, 0.0, c, 2);  // n = 0: nothing happens
  EXPECT_EQ(c[0], 1);
  EXPECT_EQ(c[3], 4);
  gemm<double>(false, false, 2, 2, 0, a, 1, b, 2, 0.5, c, 2);  // k = 0: C = beta C
  EXPECT_DOUBLE_EQ(c[0], 0.5);
  EXPECT_DOUBLE_EQ(c[3], 2.0);
}

TEST(LinalgGemm, DimensionBeyondBlasIntThrows) {
  float x = 0;
  const int64_t huge = int64_t(1) << 32;
  try {
    gemm<float>(false, false, huge, 1, 1, &x, 1, &x, 1, 0.0f, &x, 1);
    FAIL() << "expected rnnscope::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the BLAS int range"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------
// Dense routines

void expect_matrix_near(const Matrix& actual, const Matrix& expected, double tol) {
  ASSERT_EQ(actual.rows(), expected.rows());
  ASSERT_EQ(actual.cols(), expected.cols());
  for (Eigen::Index i = 0; i < actual.rows(); ++i) {
    for (Eigen::Index j = 0; j < actual.cols(); ++j) {
      EXPECT_NEAR(actual(i, j), expected(i, j), tol) << "at (" << i << ", " << j << ")";
    }
  }
}

// Runs f, expecting an rnnscope::Error whose message contains `fragment`.
template <class F>
void expect_error(const F& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected rnnscope::Error containing \"" << fragment << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------
// product: this program links LibTorch, so it runs on the wheel's BLAS; it must give Eigen's
// product (test_geometry, without LibTorch, runs the Eigen side) for every transpose and for
// blocks with an outer stride.

TEST(DenseProduct, RunsOnTheBlasAndEqualsEigensProductForEveryTransposeAndBlocks) {
  ASSERT_TRUE(product_has_blas());
  std::mt19937 gen(5);
  std::normal_distribution<double> normal;
  const auto random = [&](Eigen::Index r, Eigen::Index c) {
    Matrix m(r, c);
    for (Eigen::Index j = 0; j < c; ++j)
      for (Eigen::Index i = 0; i < r; ++i) m(i, j) = normal(gen);
    return m;
  };
  const Matrix a = random(37, 11), b = random(11, 5), big = random(40, 9);
  const auto near = [](const Matrix& x, const Matrix& y) { return (x - y).cwiseAbs().maxCoeff() < 1e-12; };
  EXPECT_TRUE(near(product(a, false, b, false), a * b));
  const Matrix c = random(37, 4);
  EXPECT_TRUE(near(product(a, true, c, false), a.transpose() * c));
  const Matrix e = random(5, 11);
  EXPECT_TRUE(near(product(a, false, e, true), a * e.transpose()));
  const Matrix f = random(6, 37);
  EXPECT_TRUE(near(product(a, true, f, true), a.transpose() * f.transpose()));
  // The top 11 rows of a 40-row matrix: columns 40 apart.
  EXPECT_TRUE(near(product(a, false, big.topRows(11), false), a * big.topRows(11)));
  EXPECT_EQ(product(a, false, Matrix(11, 0), false).cols(), 0);
  expect_error([&] { product(a, false, Matrix(b.transpose()), false); }, "inner dimensions differ (11 and 5)");
}

TEST(LinalgLstsq, FitsALineByHand) {
  // Points (1, 6), (2, 5), (3, 7), (4, 10): the normal equations [[4, 10], [10, 30]] β =
  // [28, 77] give β = (3.5, 1.4).
  Matrix a(4, 2);
  a << 1, 1, 1, 2, 1, 3, 1, 4;
  Matrix b(4, 1);
  b << 6, 5, 7, 10;
  Matrix expected(2, 1);
  expected << 3.5, 1.4;
  expect_matrix_near(lstsq(a, b), expected, 1e-12);
}

TEST(LinalgLstsq, SeveralRightHandSidesAreSolvedIndependently) {
  Matrix a(4, 2);
  a << 1, 1, 1, 2, 1, 3, 1, 4;
  Matrix b(4, 2);
  b << 6, 3, 5, 5, 7, 7, 10, 9;  // second column exactly 1 + 2x
  Matrix expected(2, 2);
  expected << 3.5, 1, 1.4, 2;
  expect_matrix_near(lstsq(a, b), expected, 1e-12);
}

TEST(LinalgLstsq, RidgeByHand) {
  // (AᵀA + I) β = Aᵀy: [[5, 10], [10, 31]] β = [28, 77], so β = (98, 105) / 55.
  Matrix a(4, 2);
  a << 1, 1, 1, 2, 1, 3, 1, 4;
  Matrix b(4, 1);
  b << 6, 5, 7, 10;
  Matrix expected(2, 1);
  expected << 98.0 / 55, 105.0 / 55;
  expect_matrix_near(lstsq(a, b, 1.0), expected, 1e-12);
  // A diagonal: x_i = a_i b_i / (a_i² + λ).
  Matrix d(2, 2);
  d << 1, 0, 0, 2;
  Matrix y(2, 1);
  y << 1, 2;
  Matrix x(2, 1);
  x << 0.5, 0.8;
  expect_matrix_near(lstsq(d, y, 1.0), x, 1e-12);
}

TEST(LinalgLstsq, RankDeficientGivesMinimumNorm) {
  Matrix a(2, 2);
  a << 1, 1, 1, 1;
  Matrix b(2, 1);
  b << 2, 2;
  Matrix expected(2, 1);
  expected << 1, 1;
  expect_matrix_near(lstsq(a, b), expected, 1e-12);
}

TEST(LinalgSvd, KnownSingularValuesAndReconstruction) {
  // A Aᵀ = [[17, 8], [8, 17]] has eigenvalues 25 and 9: singular values 5 and 3.
  Matrix a(2, 3);
  a << 3, 2, 2, 2, 3, -2;
  for (const Matrix& m : {a, Matrix(a.transpose())}) {
    const Svd d = svd(m);
    ASSERT_EQ(d.s.size(), 2);
    EXPECT_NEAR(d.s(0), 5, 1e-12);
    EXPECT_NEAR(d.s(1), 3, 1e-12);
    EXPECT_EQ(d.u.rows(), m.rows());
    EXPECT_EQ(d.u.cols(), 2);
    EXPECT_EQ(d.v.rows(), m.cols());
    EXPECT_EQ(d.v.cols(), 2);
    expect_matrix_near(d.u * d.s.asDiagonal() * d.v.transpose(), m, 1e-12);
    expect_matrix_near(d.u.transpose() * d.u, Matrix::Identity(2, 2), 1e-12);
    expect_matrix_near(d.v.transpose() * d.v, Matrix::Identity(2, 2), 1e-12);
  }
  // The first left singular vector of A is (1, 1)/√2, signed positive.
  const Svd d = svd(a);
  EXPECT_NEAR(d.u(0, 0), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(d.u(1, 0), std::sqrt(0.5), 1e-12);
}

TEST(LinalgEigh, KnownSymmetricMatrix) {
  // The 3×3 second-difference matrix: eigenvalues 2 + √2, 2, 2 − √2, eigenvectors
  // (1, −√2, 1)/2, (1, 0, −1)/√2, (1, √2, 1)/2.
  Matrix a(3, 3);
  a << 2, -1, 0, -1, 2, -1, 0, -1, 2;
  const Eigh e = eigh(a);
  ASSERT_EQ(e.values.size(), 3);
  EXPECT_NEAR(e.values(0), 2 + std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(e.values(1), 2, 1e-12);
  EXPECT_NEAR(e.values(2), 2 - std::sqrt(2.0), 1e-12);
  Matrix expected(3, 3);
  const double r = std::sqrt(0.5);
  // Signs: each column's largest-magnitude entry (the first such) positive.
  expected << -0.5, r, 0.5, r, 0, r, -0.5, -r, 0.5;
  expect_matrix_near(e.vectors, expected, 1e-12);
  expect_matrix_near(e.vectors * e.values.asDiagonal() * e.vectors.transpose(), a, 1e-12);
}

TEST(LinalgCholesky, FactorAndSolveByHand) {
  Matrix a(3, 3);
  a << 4, 12, -16, 12, 37, -43, -16, -43, 98;
  Matrix l(3, 3);
  l << 2, 0, 0, 6, 1, 0, -8, 5, 3;
  expect_matrix_near(cholesky(a), l, 1e-12);
  // A (1, 2, 3)ᵀ = (−20, −43, 192)ᵀ.
  Matrix b(3, 1);
  b << -20, -43, 192;
  Matrix x(3, 1);
  x << 1, 2, 3;
  expect_matrix_near(cholesky_solve(cholesky(a), b), x, 1e-10);
}

TEST(LinalgProcrustes, RecoversARotation) {
  Matrix a(4, 2);
  a << 1, 0, 0, 2, -1, 1, 3, -2;
  const double angle = 0.5236;
  Matrix rotation(2, 2);
  rotation << std::cos(angle), -std::sin(angle), std::sin(angle), std::cos(angle);
  expect_matrix_near(procrustes(a, a * rotation), rotation, 1e-12);
}

TEST(LinalgDense, ErrorsNameTheProblem) {
  Matrix a(3, 2);
  a << 1, 2, 3, 4, 5, 6;
  const Matrix b3 = Matrix::Ones(3, 1), b2 = Matrix::Ones(2, 1);
  expect_error([&] { lstsq(a, b2); }, "lstsq: a [3, 2] and b [2, 1] must have the same number of rows");
  expect_error([&] { lstsq(Matrix(0, 2), Matrix(0, 1)); }, "lstsq: a is empty");
  Matrix bad = a;
  bad(1, 1) = std::nan("");
  expect_error([&] { lstsq(bad, b3); }, "lstsq: a contains a non-finite value");
  expect_error([&] { lstsq(a, b3, -1.0); }, "lstsq: ridge");
  expect_error([&] { lstsq(a, b3, std::numeric_limits<double>::infinity()); }, "must be finite and >= 0");
  bad(1, 1) = std::numeric_limits<double>::infinity();
  expect_error([&] { svd(bad); }, "svd: a contains a non-finite value");
  expect_error([&] { eigh(a); }, "eigh: a must be square, got shape [3, 2]");
  Matrix asym(2, 2);
  asym << 1, 2, 3, 4;
  expect_error([&] { eigh(asym); }, "eigh: a is not symmetric");
  expect_error([&] { cholesky(asym); }, "cholesky: a is not symmetric");
  Matrix indefinite(2, 2);
  indefinite << 1, 2, 2, 1;
  expect_error([&] { cholesky(indefinite); }, "cholesky: a [2, 2] is not positive definite");
  expect_error([&] { cholesky_solve(Matrix::Identity(2, 2), b3); }, "cholesky_solve: b [3, 1] must have as many rows");
  expect_error([&] { cholesky_solve(-Matrix::Identity(2, 2), b2); }, "cholesky_solve: l has a diagonal entry <= 0");
  expect_error([&] { procrustes(a, Matrix::Ones(3, 3)); }, "procrustes: a [3, 2] and b [3, 3] must have the same shape");
}

}  // namespace
}  // namespace rnnscope::linalg
