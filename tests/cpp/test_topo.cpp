// Vietoris–Rips persistence: hand-computable barcodes, invariances, and bad inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "rnnscope/core/error.h"
#include "rnnscope/topo/distance_matrix.h"
#include "rnnscope/topo/vietoris_rips.h"
#include "topo_test_points.h"

namespace {

using rnnscope::Error;
using rnnscope::topo::Barcodes;
using rnnscope::topo::DistanceMatrix;
using rnnscope::topo::PersistenceOptions;
using rnnscope::topo::PersistencePair;
using rnnscope::topo::PointCloudView;
using rnnscope::topo::vietoris_rips;
using rnnscope::topo::testing::random_points;

constexpr double kInf = std::numeric_limits<double>::infinity();

Barcodes ph_of_points(const std::vector<double>& xy, int64_t dim, int max_dim = 1, int threads = 1) {
  const int64_t n = static_cast<int64_t>(xy.size()) / dim;
  return vietoris_rips(DistanceMatrix::from_points(PointCloudView{xy.data(), n, dim}),
                       PersistenceOptions().set_max_dim(max_dim).set_threads(threads));
}

std::vector<std::pair<double, double>> sorted_bars(const std::vector<PersistencePair>& bars) {
  std::vector<std::pair<double, double>> out;
  for (const auto& b : bars) out.emplace_back(b.birth, b.death);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TopoPersistence, UnitSquareHasThreeFiniteComponentsAndOneLoop) {
  const Barcodes b = ph_of_points({0, 0, 1, 0, 1, 1, 0, 1}, 2);
  ASSERT_EQ(b.bars.size(), 2u);
  const auto h0 = sorted_bars(b.bars[0]);
  ASSERT_EQ(h0.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h0[static_cast<size_t>(i)], std::make_pair(0.0, 1.0));
  EXPECT_EQ(h0[3], std::make_pair(0.0, kInf));
  ASSERT_EQ(b.bars[1].size(), 1u);
  EXPECT_EQ(b.bars[1][0].birth, 1.0);
  EXPECT_FLOAT_EQ(static_cast<float>(b.bars[1][0].death), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(static_cast<float>(b.threshold), std::sqrt(2.0f));  // enclosing radius
}

TEST(TopoPersistence, CircleSamplesHaveOneLongLoop) {
  std::vector<double> xy;
  const int n = 48;
  for (int i = 0; i < n; ++i) {
    const double t = 2 * M_PI * i / n;
    xy.push_back(std::cos(t));
    xy.push_back(std::sin(t));
  }
  const Barcodes b = ph_of_points(xy, 2, 2);
  ASSERT_EQ(b.bars[1].size(), 1u);
  const PersistencePair loop = b.bars[1][0];
  EXPECT_NEAR(loop.birth, 2 * std::sin(M_PI / n), 1e-6);  // adjacent samples
  EXPECT_NEAR(loop.death, std::sqrt(3.0), 1e-6);          // inscribed equilateral triangles
  for (const auto& bar : b.bars[2]) EXPECT_LT(bar.death - bar.birth, 0.1);  // only discretisation noise
  // Components: all merge at the sample spacing.
  EXPECT_EQ(b.bars[0].size(), static_cast<size_t>(n));
}

TEST(TopoPersistence, TwoClustersHaveOneLongComponent) {
  std::vector<double> xy = random_points(30, 2, 7);
  for (size_t i = 0; i < xy.size(); ++i) xy[i] *= 0.1;
  for (size_t i = 30; i < 60; i += 2) xy[i] += 10.0;  // points 15..29 move to x ≈ 10
  const Barcodes b = ph_of_points(xy, 2, 0);
  ASSERT_EQ(b.bars.size(), 1u);
  int long_finite = 0, infinite = 0;
  for (const auto& bar : b.bars[0]) {
    if (std::isinf(bar.death)) ++infinite;
    else if (bar.death > 5) ++long_finite;
    else EXPECT_LT(bar.death, 1.0);
  }
  EXPECT_EQ(infinite, 1);
  EXPECT_EQ(long_finite, 1);
}

TEST(TopoPersistence, BarcodesArePermutationInvariant) {
  const int64_t n = 60, d = 3;
  const std::vector<double> x = random_points(n, d, 11);
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  std::shuffle(perm.begin(), perm.end(), std::mt19937(3));
  std::vector<double> y;
  for (int64_t i : perm) y.insert(y.end(), x.begin() + i * d, x.begin() + (i + 1) * d);
  const Barcodes a = ph_of_points(x, d, 2), b = ph_of_points(y, d, 2);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(sorted_bars(a.bars[k]), sorted_bars(b.bars[k])) << "dim " << k;
  EXPECT_FALSE(a.bars[1].empty());
}

TEST(TopoPersistence, ThreadedEqualsSerialIncludingOrder) {
  const std::vector<double> x = random_points(150, 4, 5);
  const Barcodes serial = ph_of_points(x, 4, 2, 1);
  for (int threads : {2, 3, 0}) {
    const Barcodes par = ph_of_points(x, 4, 2, threads);
    for (size_t k = 0; k < 3; ++k) {
      ASSERT_EQ(serial.bars[k].size(), par.bars[k].size());
      for (size_t i = 0; i < serial.bars[k].size(); ++i) {
        EXPECT_EQ(serial.bars[k][i].birth, par.bars[k][i].birth);
        EXPECT_EQ(serial.bars[k][i].death, par.bars[k][i].death);
      }
    }
  }
}

TEST(TopoPersistence, ThresholdTruncatesAndLeavesEssentialClasses) {
  // Square with threshold between the side and the diagonal: the loop never dies.
  const std::vector<double> xy{0, 0, 1, 0, 1, 1, 0, 1};
  const Barcodes b = vietoris_rips(DistanceMatrix::from_points(PointCloudView{xy.data(), 4, 2}),
                                   PersistenceOptions().set_threshold(1.2));
  ASSERT_EQ(b.bars[1].size(), 1u);
  EXPECT_EQ(b.bars[1][0].birth, 1.0);
  EXPECT_TRUE(std::isinf(b.bars[1][0].death));
  // Below the side length nothing connects.
  const Barcodes c = vietoris_rips(DistanceMatrix::from_points(PointCloudView{xy.data(), 4, 2}),
                                   PersistenceOptions().set_threshold(0.5));
  EXPECT_EQ(c.bars[0].size(), 4u);
  for (const auto& bar : c.bars[0]) EXPECT_TRUE(std::isinf(bar.death));
}

TEST(TopoPersistence, SinglePointAndTiesAreHandled) {
  const std::vector<double> one{3.0, 4.0};
  const Barcodes b = ph_of_points(one, 2, 2);
  ASSERT_EQ(b.bars[0].size(), 1u);
  EXPECT_TRUE(std::isinf(b.bars[0][0].death));
  EXPECT_TRUE(b.bars[1].empty());
  // All distances equal (a simplex): contractible at once, no bars beyond H0's one.
  std::vector<double> d(25, 1.0);
  for (int i = 0; i < 5; ++i) d[static_cast<size_t>(i * 6)] = 0;
  const Barcodes s = vietoris_rips(DistanceMatrix::from_square(d.data(), 5, 5), PersistenceOptions().set_max_dim(3));
  EXPECT_EQ(s.bars[0].size(), 5u);
  for (size_t k = 1; k < 4; ++k) EXPECT_TRUE(s.bars[k].empty());
}

void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(TopoPersistence, BadInputsRaiseOneClearError) {
  const std::vector<double> sq{0, 1, 1, 0};
  expect_error([&] { DistanceMatrix::from_square(sq.data(), 1, 4); }, "square");
  expect_error([&] { DistanceMatrix::from_square(sq.data(), 0, 0); }, "empty");
  const std::vector<double> nan{0, std::nan(""), std::nan(""), 0};
  expect_error([&] { DistanceMatrix::from_square(nan.data(), 2, 2); }, "finite");
  const std::vector<double> inf{0, kInf, kInf, 0};
  expect_error([&] { DistanceMatrix::from_square(inf.data(), 2, 2); }, "finite");
  const std::vector<double> asym{0, 1, 2, 0};
  expect_error([&] { DistanceMatrix::from_square(asym.data(), 2, 2); }, "symmetric");
  const std::vector<double> neg{0, -1, -1, 0};
  expect_error([&] { DistanceMatrix::from_square(neg.data(), 2, 2); }, "negative");
  const std::vector<double> diag{1, 1, 1, 0};
  expect_error([&] { DistanceMatrix::from_square(diag.data(), 2, 2); }, "diagonal");
  const std::vector<double> pts{0, std::nan("")};
  expect_error([&] { DistanceMatrix::from_points(PointCloudView{pts.data(), 1, 2}); }, "finite");
  expect_error([&] { DistanceMatrix::from_points(PointCloudView{pts.data(), 0, 2}); }, "empty");
  const DistanceMatrix ok = DistanceMatrix::from_square(sq.data(), 2, 2);
  expect_error([&] { vietoris_rips(ok, PersistenceOptions().set_max_dim(-1)); }, "max_dim");
  expect_error([&] { vietoris_rips(ok, PersistenceOptions().set_threshold(-1)); }, "threshold");
  expect_error([&] { vietoris_rips(DistanceMatrix(), PersistenceOptions()); }, "empty");
}

}  // namespace
