// Validated distance matrices for the Vietoris–Rips persistence code (see
// include/rnnscope/topo/distance_matrix.h).
#include "rnnscope/topo/distance_matrix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "rnnscope/core/error.h"

namespace rnnscope::topo {
namespace {

std::string at(int64_t i, int64_t j) {
  return "[" + std::to_string(i) + ", " + std::to_string(j) + "]";
}

std::string number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace

DistanceMatrix DistanceMatrix::from_full(std::vector<float> full, int64_t n) {
  DistanceMatrix m;
  m.n_ = n;
  m.full_ = std::move(full);
  return m;
}

DistanceMatrix DistanceMatrix::from_points(const PointCloudView& points, const std::string& what,
                                           Arithmetic arithmetic) {
  if (points.n <= 0) throw Error(what + ": empty point cloud (no rows)");
  if (points.dim <= 0) throw Error(what + ": points have no coordinates (0 columns)");
  const int64_t n = points.n, d = points.dim;
  for (int64_t i = 0; i < n * d; ++i)
    if (!std::isfinite(points.data[i]))
      throw Error(what + ": coordinate " + at(i / d, i % d) + " is " + number(points.data[i]) +
                  "; points must be finite");
  std::vector<float> full(static_cast<size_t>(n * n), 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const double* p = points.data + i * d;
    for (int64_t j = 0; j < i; ++j) {
      const double* q = points.data + j * d;
      float dist;
      if (arithmetic == Arithmetic::float64) {
        double s = 0;
        for (int64_t k = 0; k < d; ++k) s += (p[k] - q[k]) * (p[k] - q[k]);
        dist = static_cast<float>(std::sqrt(s));
      } else {
        float s = 0;
        for (int64_t k = 0; k < d; ++k) {
          const float diff = static_cast<float>(p[k]) - static_cast<float>(q[k]);
          s += diff * diff;
        }
        dist = std::sqrt(s);
      }
      if (!std::isfinite(dist))
        throw Error(what + ": distance between rows " + std::to_string(i) + " and " +
                    std::to_string(j) + " overflows float32");
      full[static_cast<size_t>(i * n + j)] = dist;
      full[static_cast<size_t>(j * n + i)] = dist;
    }
  }
  return from_full(std::move(full), n);
}

// Messages are built only on failure: these checks run once per matrix entry.
DistanceMatrix DistanceMatrix::from_square(const double* data, int64_t rows, int64_t cols,
                                           const std::string& what) {
  if (rows <= 0 || cols <= 0) throw Error(what + ": empty distance matrix");
  if (rows != cols)
    throw Error(what + ": a distance matrix must be square, got " + std::to_string(rows) + " x " +
                std::to_string(cols));
  const int64_t n = rows;
  double largest = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double x = data[i * n + j];
      if (!std::isfinite(x))
        throw Error(what + ": entry " + at(i, j) + " is " + number(x) + "; distances must be finite");
      if (x < 0)
        throw Error(what + ": entry " + at(i, j) + " is negative (" + number(x) +
                    "); distances must be >= 0");
      largest = std::max(largest, x);
    }
  for (int64_t i = 0; i < n; ++i)
    if (data[i * n + i] != 0)
      throw Error(what + ": diagonal entry " + at(i, i) + " is " + number(data[i * n + i]) +
                  "; it must be 0");
  const double tolerance = 1e-5 * largest;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) {
      const double difference = std::fabs(data[i * n + j] - data[j * n + i]);
      if (difference > tolerance)
        throw Error(what + ": matrix is not symmetric: entry " + at(i, j) + " = " + number(data[i * n + j]) +
                    " but " + at(j, i) + " = " + number(data[j * n + i]) + ", off by " + number(difference) +
                    " (allowed: 1e-5 of the largest entry, " + number(tolerance) + ")");
    }
  std::vector<float> full(static_cast<size_t>(n * n), 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) {
      // "+ 0.0f" turns a -0.0 into +0.0, whose bit pattern sorts first (radix sort).
      const float x = static_cast<float>(data[i * n + j]) + 0.0f;
      full[static_cast<size_t>(i * n + j)] = x;
      full[static_cast<size_t>(j * n + i)] = x;
    }
  return from_full(std::move(full), n);
}

DistanceMatrix DistanceMatrix::from_lower_triangle(const std::vector<float>& lower, int64_t n,
                                                   const std::string& what) {
  if (n <= 0) throw Error(what + ": empty distance matrix");
  if (static_cast<int64_t>(lower.size()) != n * (n - 1) / 2)
    throw Error(what + ": " + std::to_string(lower.size()) +
                " lower-triangular entries do not form a matrix of " + std::to_string(n) + " points");
  std::vector<float> full(static_cast<size_t>(n * n), 0.0f);
  size_t k = 0;
  for (int64_t i = 1; i < n; ++i)
    for (int64_t j = 0; j < i; ++j, ++k) {
      const float x = lower[k] + 0.0f;
      if (!std::isfinite(x))
        throw Error(what + ": entry " + at(i, j) + " is " + number(x) + "; distances must be finite");
      if (x < 0)
        throw Error(what + ": entry " + at(i, j) + " is negative (" + number(x) +
                    "); distances must be >= 0");
      full[static_cast<size_t>(i * n + j)] = x;
      full[static_cast<size_t>(j * n + i)] = x;
    }
  return from_full(std::move(full), n);
}

float DistanceMatrix::min_distance() const {
  if (n_ < 2) return 0;
  float m = full_[static_cast<size_t>(n_)];
  for (int64_t i = 1; i < n_; ++i)
    for (int64_t j = 0; j < i; ++j) m = std::min(m, (*this)(i, j));
  return m;
}

float DistanceMatrix::max_distance() const {
  float m = 0;
  for (float x : full_) m = std::max(m, x);
  return m;
}

float DistanceMatrix::enclosing_radius() const {
  float radius = std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n_; ++i) {
    const float* r = row(i);
    float m = 0;
    for (int64_t j = 0; j < n_; ++j) m = std::max(m, r[j]);
    radius = std::min(radius, m);
  }
  return n_ == 0 ? 0.0f : radius;
}

int64_t DistanceMatrix::count_edges(float threshold) const {
  int64_t count = 0;
  for (int64_t i = 1; i < n_; ++i)
    for (int64_t j = 0; j < i; ++j) count += (*this)(i, j) <= threshold;
  return count;
}

}  // namespace rnnscope::topo
