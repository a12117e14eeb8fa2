// Input resolution for persistence and RTD (include/rnnscope/topo/inputs.h).
#include "rnnscope/topo/inputs.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "rnnscope/core/error.h"
#include "rnnscope/topo/vietoris_rips.h"

namespace rnnscope::topo {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// What an HDF5 dataset holds is never guessed from its values (a distance matrix with a
// diagonal of 1e-8 would otherwise become a point cloud, silently): it is the stated
// --format, else the dataset's string attribute `format`, else the one reading its shape
// allows.
std::string hdf5_format(const std::string& spec, const DatasetSpec& ds, const h5::Array& a, const std::string& format) {
  if (!format.empty()) return format;
  const Json attributes = h5::read_attributes(ds.file, ds.dataset);
  if (attributes.contains(kFormatAttribute)) {
    const Json& stated = attributes[kFormatAttribute];
    const std::string text = stated.is_string() ? stated.get<std::string>() : stated.dump();
    if (text != "lower-distance" && text != "distance" && text != "point-cloud")
      throw Error(spec + ": attribute '" + std::string(kFormatAttribute) + "' is '" + text +
                  "'; allowed: lower-distance, distance, point-cloud");
    return text;
  }
  return format_from_shape(a.shape, spec,
                           "--format distance | --format point-cloud, or a string attribute '" +
                               std::string(kFormatAttribute) + "' on the dataset");
}

MetricInput from_hdf5(const std::string& spec, const DatasetSpec& ds, const std::string& format,
                      const MemoryBudget& memory) {
  const h5::Array a = h5::read_array(ds.file, ds.dataset);
  return metric_input_from_array(a, hdf5_format(spec, ds, a, format), spec, memory);
}

bool is_hdf5_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char signature[8] = {};
  return in.read(signature, sizeof signature) && std::string(signature, 8) == "\x89HDF\r\n\x1a\n";
}

// An input that is not FILE.h5:/DATASET and not a text file: said in the terms of what the
// user most likely meant (an HDF5 file without its dataset, or a dataset without its "/").
void check_text_input(const std::string& spec) {
  const std::string example = "FILE.h5:/DATASET";
  if (!std::filesystem::exists(spec)) {
    const size_t colon = spec.rfind(':');
    if (colon != std::string::npos && colon > 0 && std::filesystem::exists(spec.substr(0, colon)))
      throw Error("'" + spec + "': name the dataset with a leading /, as " + example + " (" +
                      spec.substr(0, colon) + ":/" + spec.substr(colon + 1) + ")",
                  Error::Kind::file_not_found);
    throw Error("cannot open '" + spec + "': no such file (an HDF5 dataset is given as " + example + ")",
                Error::Kind::file_not_found);
  }
  if (is_hdf5_file(spec)) {
    std::string datasets;
    for (const auto& name : h5::list_group(spec, "/"))
      if (!h5::is_group(spec, "/" + name)) datasets += (datasets.empty() ? "" : ", ") + spec + ":/" + name;
    throw Error("'" + spec + "' is an HDF5 file: name the dataset, as " + example +
                (datasets.empty() ? std::string(" (it holds no dataset at its top level)") : " (it holds " + datasets + ")"));
  }
}

}  // namespace

bool parse_dataset_spec(const std::string& spec, DatasetSpec* out) {
  const size_t colon = spec.rfind(":/");
  if (colon == std::string::npos || colon == 0) return false;
  out->file = spec.substr(0, colon);
  out->dataset = spec.substr(colon + 1);
  return true;
}

std::string format_from_shape(const std::vector<int64_t>& shape, const std::string& what, const std::string& how_to_state) {
  if (shape.size() == 1) return "lower-distance";
  if (shape.size() == 2 && shape[0] != shape[1]) return "point-cloud";
  if (shape.size() == 2)
    throw Error(what + ": a square " + shape_text(shape) + " array may be a distance matrix or " +
                std::to_string(shape[0]) + " points in " + std::to_string(shape[1]) +
                " dimensions, and it is never guessed from its values; state which: " + how_to_state);
  throw Error(what + ": expected a 1-D lower triangle, a 2-D point cloud [n, d] or a distance matrix [n, n], got shape " +
              shape_text(shape));
}

MetricInput metric_input_from_array(const h5::Array& a, const std::string& format, const std::string& what,
                                    const MemoryBudget& memory) {
  parse_text_format(format);  // rejects unknown names
  const size_t rank = a.shape.size();
  MetricInput input;
  if (rank >= 1 && format != "lower-distance") {
    require_memory(distance_matrix_bytes(a.shape[0]), "the distance matrix of " + what,
                   std::to_string(a.shape[0]) + " points, float32", memory);
  }
  if (format == "lower-distance") {
    if (rank != 1)
      throw Error(what + ": format lower-distance needs a 1-D array, got shape " + shape_text(a.shape));
    const int64_t m = a.shape[0];
    const int64_t n = static_cast<int64_t>(std::llround((1 + std::sqrt(1.0 + 8.0 * static_cast<double>(m))) / 2));
    if (n * (n - 1) / 2 != m || m == 0)
      throw Error(what + ": " + std::to_string(m) + " values are not a lower triangle n(n-1)/2");
    require_memory(distance_matrix_bytes(n), "the distance matrix of " + what,
                   std::to_string(n) + " points, float32", memory);
    const std::vector<float> lower(a.data.begin(), a.data.end());
    input.distances = DistanceMatrix::from_lower_triangle(lower, n, what);
    return input;
  }
  if (rank != 2)
    throw Error(what + ": format " + format + " needs a 2-D array (" +
                (format == "distance" ? "[n, n]" : "[n, d]") + "), got shape " + shape_text(a.shape));
  if (format == "distance") {
    input.distances = DistanceMatrix::from_square(a.data.data(), a.shape[0], a.shape[1], what);
    return input;
  }
  input.distances = DistanceMatrix::from_points(PointCloudView{a.data.data(), a.shape[0], a.shape[1]}, what);
  input.is_point_cloud = true;
  input.point_dimension = a.shape[1];
  return input;
}

MetricInput read_metric_input(const std::string& spec, const std::string& format, const MemoryBudget& memory) {
  DatasetSpec ds;
  if (parse_dataset_spec(spec, &ds)) return from_hdf5(spec, ds, format, memory);
  check_text_input(spec);
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
