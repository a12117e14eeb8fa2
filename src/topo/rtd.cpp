// Representation Topology Divergence, as the reference implementation computes it
// (IlyaTrofimov/RTD: calc_embed_dist, rtd1, rtd), on our Vietoris–Rips persistence.
#include "rnnscope/topo/rtd.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "topo/parallel_internal.h"

namespace rnnscope::topo {
namespace {

// Euclidean distances between rows, in double (the reference uses float64 here too).
std::vector<double> pairwise(const PointCloudView& x, const char* name) {
  const int64_t n = x.n, d = x.dim;
  for (int64_t i = 0; i < n * d; ++i)
    if (!std::isfinite(x.data[i]))
      throw Error(std::string("RTD: cloud ") + name + " has a non-finite coordinate at [" +
                  std::to_string(i / d) + ", " + std::to_string(i % d) + "]");
  std::vector<double> r(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) {
      double s = 0;
      for (int64_t k = 0; k < d; ++k) {
        const double diff = x.data[i * d + k] - x.data[j * d + k];
        s += diff * diff;
      }
      r[static_cast<size_t>(i * n + j)] = r[static_cast<size_t>(j * n + i)] = std::sqrt(s);
    }
  return r;
}

// numpy.quantile(values, q) with its default "linear" method, including numpy's choice of
// interpolating from the upper neighbour when the fraction is >= 0.5.
double quantile(std::vector<double> values, double q) {
  const double position = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(position));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const double a = values[lo];
  const double b = hi == lo ? a : *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end());
  const double t = position - static_cast<double>(lo);
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

void normalize(std::vector<double>& r, const char* name) {
  const double q = quantile(r, 0.9);
  if (!(q > 0))
    throw Error(std::string("RTD: cloud ") + name +
                " has 0.9-quantile distance 0 (mostly duplicate points); RTD is undefined");
  for (double& x : r) x /= q;
}

void check_pair(const PointCloudView& p, const PointCloudView& q) {
  if (p.n == 0 || q.n == 0) throw Error("RTD: empty point cloud (no rows)");
  if (p.dim <= 0 || q.dim <= 0) throw Error("RTD: points have no coordinates (0 columns)");
  if (p.n != q.n)
    throw Error("RTD: P has " + std::to_string(p.n) + " rows but Q has " + std::to_string(q.n) +
                "; RTD compares paired representations (same samples, same order)");
  if (p.n < 2) throw Error("RTD: needs at least 2 points, got " + std::to_string(p.n));
}

// Copies the given rows of x.
std::vector<double> take_rows(const PointCloudView& x, const std::vector<int64_t>& rows) {
  std::vector<double> out;
  out.reserve(rows.size() * static_cast<size_t>(x.dim));
  for (int64_t r : rows) out.insert(out.end(), x.data + r * x.dim, x.data + (r + 1) * x.dim);
  return out;
}

std::vector<PersistencePair> h1_bars(const PointCloudView& a, const PointCloudView& b) {
  // Default threshold (the enclosing radius): beyond it the complex is a cone, so every H1
  // bar is finite and the same as without a threshold (the reference uses none).
  Barcodes bars = vietoris_rips(rtd_matrix(a, b), PersistenceOptions().set_max_dim(1).set_threads(1));
  return std::move(bars.bars[1]);
}

}  // namespace

DistanceMatrix rtd_matrix(const PointCloudView& p, const PointCloudView& q) {
  check_pair(p, q);
  const int64_t n = p.n, m = 2 * n;
  std::vector<double> r1 = pairwise(p, "P");
  std::vector<double> r2 = pairwise(q, "Q");
  normalize(r1, "P");
  normalize(r2, "Q");
  double mean = 0;
  for (double x : r1) mean += x;
  mean /= static_cast<double>(r1.size());
  const double floor = mean * 1e-6;
  auto cut = [floor](double x) { return x < floor ? 0.0 : x; };
  // Vertices 0..n-1 are P's copies (all at distance 0 from each other), n..2n-1 Q's.
  std::vector<double> d(static_cast<size_t>(m * m), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double x = cut(r1[static_cast<size_t>(i * n + j)]);
      d[static_cast<size_t>((n + i) * m + j)] = x;  // bottom-left: r1
      d[static_cast<size_t>(j * m + n + i)] = x;    // top-right: r1ᵀ
      d[static_cast<size_t>((n + i) * m + n + j)] =
          cut(std::min(r1[static_cast<size_t>(i * n + j)], r2[static_cast<size_t>(i * n + j)]));
    }
  return DistanceMatrix::from_square(d.data(), m, m, "RTD matrix");
}

double rtd_bar_sum(const std::vector<PersistencePair>& h1_bars) {
  double sum = 0;
  for (const PersistencePair& bar : h1_bars)
    if (std::isfinite(bar.death)) sum += bar.death - bar.birth;
  return sum;
}

RtdResult rtd(const PointCloudView& p, const PointCloudView& q, const RtdOptions& options) {
  check_pair(p, q);
  if (options.trials < 1) throw Error("RTD: trials must be >= 1, got " + std::to_string(options.trials));
  if (options.batch < 2) throw Error("RTD: batch must be >= 2, got " + std::to_string(options.batch));
  if (options.threads < 0)
    throw Error("RTD: threads must be >= 0 (0 = all), got " + std::to_string(options.threads));
  const int64_t n = p.n;
  const int64_t batch = std::min(options.batch, n);
  // With every row in every trial the trials are identical; compute one and copy it.
  const int64_t distinct = batch == n ? 1 : options.trials;
  RtdResult result;
  result.trials.resize(static_cast<size_t>(distinct));
  for (int64_t t = 0; t < distinct; ++t) {
    std::vector<int64_t> rows(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
    if (batch < n) {
      // Partial Fisher–Yates: the first `batch` entries become a uniform random subset.
      Rng rng = Rng::derive(options.seed, "rtd", static_cast<uint64_t>(t));
      for (int64_t i = 0; i < batch; ++i)
        std::swap(rows[static_cast<size_t>(i)], rows[static_cast<size_t>(i + rng.integer(n - i))]);
      rows.resize(static_cast<size_t>(batch));
    }
    result.trials[static_cast<size_t>(t)].rows = std::move(rows);
  }
  // Jobs (trial, direction) are independent persistence computations: run them
  // concurrently, each single-threaded (the reduction itself is serial).
  const int64_t directions = options.symmetric ? 2 : 1;
  const int threads = detail::resolve_threads(options.threads);
  // Per job: r1 and r2 (double, b^2 each), the 2b x 2b matrix in double and in float32, and
  // the persistence of its (at most) C(2b, 2) edges up to H1.
  const double b = static_cast<double>(batch);
  const double job_bytes = 16 * b * b + 32 * b * b + distance_matrix_bytes(2 * batch) +
                           estimate_persistence_bytes(2 * batch, batch * (2 * batch - 1), 1);
  const int64_t concurrent = std::min<int64_t>(threads, distinct * directions);
  require_memory(job_bytes * static_cast<double>(concurrent),
                 "RTD on " + std::to_string(batch) + " rows per trial", std::to_string(concurrent) +
                     " persistence computation(s) at once, each of a " + std::to_string(2 * batch) + "-point matrix",
                 options.memory);
  detail::parallel_chunks(distinct * directions, 1, threads,
                          [&](int64_t begin, int64_t end, int) {
                            for (int64_t job = begin; job < end; ++job) {
                              RtdTrial& trial = result.trials[static_cast<size_t>(job / directions)];
                              const std::vector<double> a = take_rows(p, trial.rows);
                              const std::vector<double> b = take_rows(q, trial.rows);
                              const PointCloudView pa{a.data(), batch, p.dim};
                              const PointCloudView qb{b.data(), batch, q.dim};
                              if (job % directions == 0)
                                trial.forward_bars = h1_bars(pa, qb);
                              else
                                trial.backward_bars = h1_bars(qb, pa);
                            }
                          });
  double total = 0;
  for (RtdTrial& trial : result.trials) {
    trial.forward = rtd_bar_sum(trial.forward_bars);
    trial.backward = options.symmetric ? rtd_bar_sum(trial.backward_bars) : 0.0;
    trial.score = options.symmetric ? (trial.forward + trial.backward) / 2 : trial.forward;
    total += trial.score;
  }
  while (static_cast<int64_t>(result.trials.size()) < options.trials) result.trials.push_back(result.trials.front());
  result.score = total / static_cast<double>(distinct);
  return result;
}

}  // namespace rnnscope::topo
