// Input resolution for persistence and RTD (include/rnnscope/topo/inputs.h).
#include "rnnscope/topo/inputs.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "rnnscope/core/error.h"

namespace rnnscope::topo {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A square matrix that is a plausible distance matrix: zero diagonal, symmetric.
bool looks_like_distances(const h5::Array& a) {
  const int64_t n = a.shape[0];
  for (int64_t i = 0; i < n; ++i)
    if (a.data[static_cast<size_t>(i * n + i)] != 0) return false;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) {
      const double x = a.data[static_cast<size_t>(i * n + j)], y = a.data[static_cast<size_t>(j * n + i)];
      if (std::fabs(x - y) > 1e-5 * std::max(std::fabs(x), std::fabs(y))) return false;
    }
  return true;
}

MetricInput from_hdf5(const std::string& spec, const DatasetSpec& ds, const std::string& format) {
  const h5::Array a = h5::read_array(ds.file, ds.dataset);
  MetricInput input;
  const size_t rank = a.shape.size();
  std::string kind = format;
  if (kind.empty()) {
    if (rank == 1) kind = "lower-distance";
    else if (rank == 2 && a.shape[0] == a.shape[1] && looks_like_distances(a)) kind = "distance";
    else kind = "point-cloud";
  }
  parse_text_format(kind);  // rejects unknown names
  if (kind == "lower-distance") {
    if (rank != 1)
      throw Error(spec + ": format lower-distance needs a 1-D dataset, got shape " + shape_text(a.shape));
    const int64_t m = a.shape[0];
    int64_t n = static_cast<int64_t>(std::llround((1 + std::sqrt(1.0 + 8.0 * static_cast<double>(m))) / 2));
    if (n * (n - 1) / 2 != m || m == 0)
      throw Error(spec + ": " + std::to_string(m) + " values are not a lower triangle n(n-1)/2");
    std::vector<float> lower(a.data.begin(), a.data.end());
    input.distances = DistanceMatrix::from_lower_triangle(lower, n, spec);
    return input;
  }
  if (rank != 2)
    throw Error(spec + ": expected a 2-D dataset (a point cloud [n, d] or a distance matrix [n, n]), got shape " +
                shape_text(a.shape));
  if (kind == "distance") {
    input.distances = DistanceMatrix::from_square(a.data.data(), a.shape[0], a.shape[1], spec);
    return input;
  }
  input.distances = DistanceMatrix::from_points(PointCloudView{a.data.data(), a.shape[0], a.shape[1]}, spec);
  input.is_point_cloud = true;
  input.point_dimension = a.shape[1];
  return input;
}

}  // namespace

bool parse_dataset_spec(const std::string& spec, DatasetSpec* out) {
  const size_t colon = spec.rfind(":/");
  if (colon == std::string::npos || colon == 0) return false;
  out->file = spec.substr(0, colon);
  out->dataset = spec.substr(colon + 1);
  return true;
}

MetricInput read_metric_input(const std::string& spec, const std::string& format) {
  DatasetSpec ds;
  if (parse_dataset_spec(spec, &ds)) return from_hdf5(spec, ds, format);
  return read_text_input(spec, parse_text_format(format.empty() ? "lower-distance" : format));
}

h5::Array read_point_cloud(const std::string& spec) {
  DatasetSpec ds;
  if (!parse_dataset_spec(spec, &ds))
    throw Error("'" + spec + "': expected an HDF5 dataset as FILE.h5:/DATASET (a point cloud [n, d])");
  h5::Array a = h5::read_array(ds.file, ds.dataset);
  if (a.shape.size() != 2)
    throw Error(spec + ": expected a 2-D point cloud [n, d], got shape " + shape_text(a.shape));
  return a;
}

}  // namespace rnnscope::topo
