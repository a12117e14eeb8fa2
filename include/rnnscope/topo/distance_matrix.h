// Finite metric spaces for persistent homology: a validated, symmetric distance matrix
// stored in full (row-major, float32 as in Ripser), built from a matrix or a point cloud.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::topo {

// A borrowed, row-major [n, dim] array of points.
struct PointCloudView {
  const double* data = nullptr;
  int64_t n = 0;    // number of points (rows)
  int64_t dim = 0;  // coordinates per point (columns)
};

class DistanceMatrix {
 public:
  DistanceMatrix() = default;

  enum class Arithmetic {
    float64,  // accumulate squared differences in double (default: most accurate)
    float32,  // in float, as the `ripser` program does, so text outputs diff cleanly
  };
  // Euclidean distances between the rows of `points`, stored as float32. `what` names the
  // input in error messages. Errors: empty, NaN/inf coordinates.
  static DistanceMatrix from_points(const PointCloudView& points, const std::string& what = "point cloud",
                                    Arithmetic arithmetic = Arithmetic::float64);

  // A full [n, n] row-major matrix. Errors (naming `what`): empty, non-finite, negative,
  // non-zero diagonal, or asymmetric beyond a relative 1e-5 of the largest entry. The
  // lower triangle is kept (as Ripser's `distance` format does), so tiny asymmetries from
  // floating-point round-off are harmless.
  static DistanceMatrix from_square(const double* data, int64_t rows, int64_t cols,
                                    const std::string& what = "distance matrix");

  // The strict lower triangle, row by row: d(1,0), d(2,0), d(2,1), d(3,0), …
  static DistanceMatrix from_lower_triangle(const std::vector<float>& lower, int64_t n,
                                            const std::string& what = "distance matrix");

  int64_t size() const { return n_; }
  float operator()(int64_t i, int64_t j) const { return full_[static_cast<size_t>(i * n_ + j)]; }
  // Row i, contiguous: coboundary scans read whole rows, which is why the matrix is stored
  // in full instead of Ripser's compressed lower triangle (twice the memory, but sequential
  // instead of strided access).
  const float* row(int64_t i) const { return full_.data() + i * n_; }

  // Smallest and largest off-diagonal entry (0, 0 for fewer than two points).
  float min_distance() const;
  float max_distance() const;
  // min over i of max over j of d(i, j): beyond it the Vietoris–Rips complex is a cone
  // (contractible), so it is the default threshold (as in Ripser). 0 for one point.
  float enclosing_radius() const;
  // Number of edges {i, j} (i > j) with d(i, j) <= threshold.
  int64_t count_edges(float threshold) const;

 private:
  static DistanceMatrix from_full(std::vector<float> full, int64_t n);
  int64_t n_ = 0;
  std::vector<float> full_;
};

}  // namespace rnnscope::topo
