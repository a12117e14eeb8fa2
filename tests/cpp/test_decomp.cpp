// CP decomposition (src/decomp): recovery of planted factors (noiseless, noisy, non-negative,
// with and without the compressed restarts), the canonical form, factor and column congruence,
// reconstruction, determinism under a seed and thread counts, input errors, and the rank
// lists of `rnnscope cp`.
#include "rnnscope/decomp/cp.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/requests/cp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

namespace rnnscope::decomp {
namespace {

// Planted factors with unit weights: standard normal entries (uniform on [0.1, 1.1) when
// `nonnegative`).
CpFactors planted(std::array<int64_t, 3> dims, int rank, uint64_t seed, bool nonnegative = false) {
  Rng rng(seed);
  CpFactors f;
  f.weights = Vector::Ones(rank);
  for (size_t m = 0; m < 3; ++m) {
    f.factors[m].resize(dims[m], rank);
    for (Eigen::Index i = 0; i < f.factors[m].size(); ++i)
      f.factors[m].data()[i] = nonnegative ? rng.uniform(0.1, 1.1) : rng.normal();
  }
  return f;
}

double norm(const Tensor3& t) {
  double s = 0;
  for (double v : t.values) s += v * v;
  return std::sqrt(s);
}

// Adds Gaussian noise of norm `level` · ‖X‖.
void add_noise(Tensor3& t, double level, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> noise(t.values.size());
  double s = 0;
  for (double& v : noise) {
    v = rng.normal();
    s += v * v;
  }
  const double scale = level * norm(t) / std::sqrt(s);
  for (size_t i = 0; i < noise.size(); ++i) t.values[i] += scale * noise[i];
}

void expect_throws_with(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "expected an Error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(CpAls, RecoversPlantedFactorsWithoutNoise) {
  const std::array<std::array<int64_t, 3>, 3> shapes{{{12, 10, 8}, {30, 20, 10}, {5, 40, 6}}};
  for (const auto& dims : shapes)
    for (int rank = 1; rank <= 4; ++rank) {
      const CpFactors truth = planted(dims, rank, 100 + uint64_t(rank));
      const CpFit fit = cp_als(cp_reconstruct(truth), CpOptions().set_rank(rank).set_seed(1));
      SCOPED_TRACE("shape " + std::to_string(dims[0]) + "x" + std::to_string(dims[1]) + "x" +
                   std::to_string(dims[2]) + " rank " + std::to_string(rank));
      EXPECT_LT(fit.best.relative_error, 1e-6);
      EXPECT_GT(factor_congruence(fit.best, truth), 0.99);
      ASSERT_EQ(fit.restart_errors.size(), 4u);
      EXPECT_NEAR(fit.best.relative_error, *std::min_element(fit.restart_errors.begin(), fit.restart_errors.end()),
                  1e-12);
    }
}

TEST(CpAls, CompressedRestartsRecoverPlantedFactorsAtTheNoiseLevel) {
  // 60 x 50 x 40 at rank 3: the restarts run on a 13 x 13 x 13 core, the best refined on X.
  const CpFactors truth = planted({60, 50, 40}, 3, 7);
  Tensor3 x = cp_reconstruct(truth);
  add_noise(x, 0.05, 8);
  const CpFit fit = cp_als(x, CpOptions().set_rank(3).set_seed(2));
  // The best rank-3 fit explains a little of the noise too, so its error is just below 5%.
  EXPECT_NEAR(fit.best.relative_error, 0.05, 0.003);
  EXPECT_GT(factor_congruence(fit.best, truth), 0.99);
  EXPECT_TRUE(fit.best.converged);
  EXPECT_GT(fit.restart_similarity, 0.9);
}

TEST(CpAls, ErrorIsTheNoiseLevelWithoutCompression) {
  const CpFactors truth = planted({15, 12, 10}, 2, 9);
  Tensor3 x = cp_reconstruct(truth);
  add_noise(x, 0.1, 10);
  const CpFit fit = cp_als(x, CpOptions().set_rank(2));
  EXPECT_NEAR(fit.best.relative_error, 0.1, 0.01);
  EXPECT_GT(factor_congruence(fit.best, truth), 0.98);
}

TEST(CpAls, NonnegativeFactorsStayNonnegativeAndRecoverPlantedOnes) {
  const CpFactors truth = planted({14, 12, 10}, 3, 11, /*nonnegative=*/true);
  const CpFit fit =
      cp_als(cp_reconstruct(truth), CpOptions().set_rank(3).set_nonnegative(true).set_max_iterations(3000));
  for (const auto& f : fit.best.factors) EXPECT_GE(f.minCoeff(), 0.0);
  EXPECT_LT(fit.best.relative_error, 1e-3);
  EXPECT_GT(factor_congruence(fit.best, truth), 0.99);
}

TEST(CpAls, FactorsAreInCanonicalForm) {
  const CpFactors truth = planted({9, 8, 7}, 3, 12);
  const CpFit fit = cp_als(cp_reconstruct(truth), CpOptions().set_rank(3));
  const CpFactors& f = fit.best;
  for (Eigen::Index r = 0; r < 3; ++r) {
    for (const auto& m : f.factors) {
      EXPECT_NEAR(m.col(r).norm(), 1.0, 1e-12);
    }
    for (size_t m = 0; m < 2; ++m) {
      Eigen::Index largest = 0;
      f.factors[m].col(r).cwiseAbs().maxCoeff(&largest);
      EXPECT_GT(f.factors[m](largest, r), 0);
    }
    if (r > 0) {
      EXPECT_GE(f.weights(r - 1), f.weights(r));
    }
  }
}

TEST(CpAls, ReconstructionRoundTrips) {
  const CpFactors truth = planted({6, 5, 4}, 2, 13);
  const Tensor3 x = cp_reconstruct(truth);
  ASSERT_EQ(x.dims, (std::array<int64_t, 3>{6, 5, 4}));
  // Element (i, j, k) by the definition.
  const int64_t i = 4, j = 2, k = 3;
  double expected = 0;
  for (int r = 0; r < 2; ++r)
    expected += truth.factors[0](i, r) * truth.factors[1](j, r) * truth.factors[2](k, r);
  EXPECT_NEAR(x.values[size_t((i * 5 + j) * 4 + k)], expected, 1e-12);
  const Tensor3 back = cp_reconstruct(cp_als(x, CpOptions().set_rank(2)).best);
  double diff = 0;
  for (size_t n = 0; n < x.values.size(); ++n) diff += std::pow(x.values[n] - back.values[n], 2);
  EXPECT_LT(std::sqrt(diff) / norm(x), 1e-6);
}

TEST(FactorCongruence, IsOneForAPermutedRescaledSignFlippedCopy) {
  const CpFactors a = planted({8, 7, 6}, 3, 14);
  CpFactors b = a;
  const int order[] = {2, 0, 1};
  for (size_t m = 0; m < 3; ++m)
    for (int r = 0; r < 3; ++r) b.factors[m].col(r) = a.factors[m].col(order[r]) * (m == 1 ? -3.0 : 0.5);
  EXPECT_NEAR(factor_congruence(a, b), 1.0, 1e-12);
  EXPECT_LT(factor_congruence(a, planted({8, 7, 6}, 3, 15)), 0.5);
  expect_throws_with([&] { factor_congruence(a, planted({8, 7, 6}, 2, 15)); }, "same rank");
  expect_throws_with([&] { factor_congruence(a, planted({8, 7, 5}, 3, 15)); }, "mode 2");
}

TEST(ColumnCongruence, MatchesTheSharedColumnsOfMatricesOfDifferentWidths) {
  const Matrix a = planted({9, 1, 1}, 3, 18).factors[0];
  Matrix b(9, 4);
  b << a.col(2) * -2.0, planted({9, 1, 1}, 1, 19).factors[0], a.col(0) * 0.5, a.col(1);
  EXPECT_NEAR(column_congruence(a, b), 1.0, 1e-12);
  EXPECT_NEAR(column_congruence(b, a), 1.0, 1e-12);
  // Columns (0, 1) against (1, 2): the better of the two pairings.
  const auto cos = [&](int i, int j) { return column_congruence(a.col(i), a.col(j)); };
  EXPECT_NEAR(column_congruence(a.leftCols(2), a.rightCols(2)),
              std::max(1.0 + cos(0, 2), cos(0, 1) + cos(1, 2)) / 2, 1e-12);
  expect_throws_with([&] { column_congruence(a, b.topRows(8)); }, "9 and 8 entries");
  expect_throws_with([&] { column_congruence(a, Matrix(9, 0)); }, "at least one column");
}

TEST(CpAls, IsDeterministicForASeedWhateverTheThreads) {
  const CpFactors truth = planted({40, 30, 30}, 2, 16);
  Tensor3 x = cp_reconstruct(truth);
  add_noise(x, 0.2, 17);
  const auto options = CpOptions().set_rank(3).set_seed(5).set_restarts(3);
  const CpFit one = cp_als(x, CpOptions(options).set_threads(1));
  const CpFit again = cp_als(x, CpOptions(options).set_threads(1));
  const CpFit threaded = cp_als(x, CpOptions(options).set_threads(3));
  for (const CpFit* other : {&again, &threaded}) {
    EXPECT_EQ(one.restart_errors, other->restart_errors);
    for (size_t m = 0; m < 3; ++m) EXPECT_EQ(one.best.factors[m], other->best.factors[m]);
    EXPECT_EQ(one.best.weights, other->best.weights);
  }
  const CpFit other_seed = cp_als(x, CpOptions(options).set_seed(6));
  EXPECT_NE(one.restart_errors, other_seed.restart_errors);
}

TEST(CpAls, RejectsBadInputsNamingWhatIsWrong) {
  const Tensor3 good = cp_reconstruct(planted({4, 3, 2}, 1, 18));
  const CpOptions ok;
  Tensor3 t = good;
  t.dims[1] = 0;
  t.values.clear();
  expect_throws_with([&] { cp_als(t, ok); }, "must be >= 1, got shape [4, 0, 2]");
  t = good;
  t.values.pop_back();
  expect_throws_with([&] { cp_als(t, ok); }, "has 24 values, got 23");
  t = good;
  t.values[3] = std::numeric_limits<double>::quiet_NaN();
  expect_throws_with([&] { cp_als(t, ok); }, "NaN or infinity");
  t.values[3] = std::numeric_limits<double>::infinity();
  expect_throws_with([&] { cp_als(t, ok); }, "NaN or infinity");
  t = good;
  std::fill(t.values.begin(), t.values.end(), 0.0);
  expect_throws_with([&] { cp_als(t, ok); }, "all zeros");
  expect_throws_with([&] { cp_als(good, CpOptions().set_rank(0)); }, "rank must be >= 1, got 0");
  expect_throws_with([&] { cp_als(good, CpOptions().set_restarts(0)); }, "restarts must be >= 1, got 0");
  expect_throws_with([&] { cp_als(good, CpOptions().set_max_iterations(0)); }, "max_iterations must be >= 1");
  expect_throws_with([&] { cp_als(good, CpOptions().set_tolerance(-1)); }, "tolerance must be >= 0");
  expect_throws_with([&] { cp_als(good, CpOptions().set_threads(-1)); }, "threads must be >= 0");
  t = good;
  t.values[0] = -1;
  expect_throws_with([&] { cp_als(t, CpOptions().set_nonnegative(true)); }, "negative entries");
}

}  // namespace
}  // namespace rnnscope::decomp
