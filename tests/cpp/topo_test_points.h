// Random point clouds shared by the topology tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace rnnscope::topo::testing {

// n points in R^dim, standard normal coordinates, row-major.
inline std::vector<double> random_points(int64_t n, int64_t dim, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(static_cast<size_t>(n * dim));
  for (double& v : x) v = normal(gen);
  return x;
}

}  // namespace rnnscope::topo::testing
