// Representation Topology Divergence: the matrix construction, identities, bad inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "rnnscope/core/error.h"
#include "rnnscope/topo/rtd.h"
#include "topo_test_points.h"

namespace {

using namespace rnnscope::topo;
using rnnscope::topo::testing::random_points;

TEST(TopoRtd, MatrixHasTheReferenceBlocks) {
  const int64_t n = 20;
  const std::vector<double> p = random_points(n, 3, 1), q = random_points(n, 5, 2);
  const DistanceMatrix d = rtd_matrix(PointCloudView{p.data(), n, 3}, PointCloudView{q.data(), n, 5});
  ASSERT_EQ(d.size(), 2 * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_EQ(d(i, j), 0.0f);                         // zero block
      EXPECT_EQ(d(n + i, j), d(i, n + j));              // r1 and r1ᵀ
      EXPECT_EQ(d(n + i, j), d(n + j, i));              // r1 symmetric
      EXPECT_LE(d(n + i, n + j), d(n + i, j));          // min(r1, r2) <= r1
    }
  // r1 is divided by its own 0.9-quantile over all n² entries: about 10% of them exceed 1.
  int64_t above = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) above += d(n + i, j) > 1.0f;
  EXPECT_NEAR(static_cast<double>(above) / (n * n), 0.1, 0.02);
}

TEST(TopoRtd, IdenticalCloudsHaveZeroDivergence) {
  const int64_t n = 80;
  const std::vector<double> p = random_points(n, 4, 3);
  const RtdResult r = rtd(PointCloudView{p.data(), n, 4}, PointCloudView{p.data(), n, 4},
                          RtdOptions().set_trials(3).set_batch(50));
  EXPECT_EQ(r.score, 0.0);
  for (const RtdTrial& t : r.trials) EXPECT_TRUE(t.forward_bars.empty());
}

TEST(TopoRtd, DifferentCloudsDivergeAndScaleDoesNotMatter) {
  const int64_t n = 60;
  const std::vector<double> p = random_points(n, 3, 4), q = random_points(n, 3, 5);
  std::vector<double> p_scaled = p;
  for (double& x : p_scaled) x *= 7.5;
  const RtdOptions all = RtdOptions().set_trials(1).set_batch(n);
  const double a = rtd(PointCloudView{p.data(), n, 3}, PointCloudView{q.data(), n, 3}, all).score;
  const double b = rtd(PointCloudView{p_scaled.data(), n, 3}, PointCloudView{q.data(), n, 3}, all).score;
  EXPECT_GT(a, 0.5);
  EXPECT_NEAR(a, b, 1e-4 * a);  // each cloud is normalised by its own quantile
}

TEST(TopoRtd, SymmetricIsTheAverageOfBothDirections) {
  const int64_t n = 120;
  const std::vector<double> p = random_points(n, 3, 6), q = random_points(n, 2, 7);
  const PointCloudView pv{p.data(), n, 3}, qv{q.data(), n, 2};
  const RtdOptions base = RtdOptions().set_trials(3).set_batch(40).set_seed(9);
  const RtdResult sym = rtd(pv, qv, base);
  const RtdResult pq = rtd(pv, qv, RtdOptions(base).set_symmetric(false));
  const RtdResult qp = rtd(qv, pv, RtdOptions(base).set_symmetric(false));
  ASSERT_EQ(sym.trials.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(sym.trials[k].rows, pq.trials[k].rows);
    EXPECT_DOUBLE_EQ(sym.trials[k].score, (pq.trials[k].score + qp.trials[k].score) / 2);
  }
  EXPECT_NEAR(sym.score, (pq.score + qp.score) / 2, 1e-12);
  EXPECT_NE(pq.score, qp.score);  // RTD itself is asymmetric
}

TEST(TopoRtd, SubsamplesAreSeededAndThreadIndependent) {
  const int64_t n = 150;
  const std::vector<double> p = random_points(n, 3, 8), q = random_points(n, 3, 9);
  const PointCloudView pv{p.data(), n, 3}, qv{q.data(), n, 3};
  const RtdOptions o = RtdOptions().set_trials(4).set_batch(50).set_seed(1);
  const RtdResult a = rtd(pv, qv, o), b = rtd(pv, qv, RtdOptions(o).set_threads(2));
  EXPECT_EQ(a.score, b.score);
  const RtdResult c = rtd(pv, qv, RtdOptions(o).set_seed(2));
  EXPECT_NE(a.trials[0].rows, c.trials[0].rows);
  for (const RtdTrial& t : a.trials) {
    std::vector<int64_t> rows = t.rows;
    std::sort(rows.begin(), rows.end());
    EXPECT_EQ(std::unique(rows.begin(), rows.end()), rows.end());  // without replacement
    EXPECT_EQ(rows.size(), 50u);
  }
  // batch >= n: all rows, so the seed does not matter.
  const RtdOptions all = RtdOptions().set_trials(2).set_batch(1000);
  EXPECT_EQ(rtd(pv, qv, RtdOptions(all).set_seed(1)).score, rtd(pv, qv, RtdOptions(all).set_seed(2)).score);
}

TEST(TopoRtd, BadInputsRaiseErrors) {
  const std::vector<double> p = random_points(10, 2, 1), q = random_points(9, 2, 2);
  EXPECT_THROW(rtd(PointCloudView{p.data(), 10, 2}, PointCloudView{q.data(), 9, 2}), rnnscope::Error);
  EXPECT_THROW(rtd(PointCloudView{p.data(), 0, 2}, PointCloudView{q.data(), 0, 2}), rnnscope::Error);
  EXPECT_THROW(rtd(PointCloudView{p.data(), 9, 2}, PointCloudView{q.data(), 9, 2}, RtdOptions().set_trials(0)),
               rnnscope::Error);
  std::vector<double> bad = p;
  bad[3] = std::nan("");
  EXPECT_THROW(rtd(PointCloudView{bad.data(), 9, 2}, PointCloudView{q.data(), 9, 2}), rnnscope::Error);
  const std::vector<double> same(20, 1.0);  // all points equal: quantile 0
  EXPECT_THROW(rtd(PointCloudView{same.data(), 10, 2}, PointCloudView{p.data(), 10, 2}), rnnscope::Error);
  try {
    rtd(PointCloudView{p.data(), 10, 2}, PointCloudView{q.data(), 9, 2});
  } catch (const rnnscope::Error& e) {
    EXPECT_NE(std::string(e.what()).find("rows"), std::string::npos) << e.what();
  }
}

}  // namespace
