// Readers for the `ripser` program's text inputs and a writer of its output layout
// (include/rnnscope/topo/text_formats.h).
#include "rnnscope/topo/text_formats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <vector>

#include "rnnscope/core/error.h"

namespace rnnscope::topo {
namespace {

// Parses the numbers of one line; separators are whitespace and commas.
std::vector<double> parse_line(const std::string& line, const std::string& where) {
  std::vector<double> values;
  const char* p = line.c_str();
  while (true) {
    while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r') ++p;
    if (*p == '\0') break;
    char* end = nullptr;
    // strtof, not strtod: the `ripser` program reads float32 directly, and decimal -> double
    // -> float can round differently from decimal -> float.
    const float x = std::strtof(p, &end);
    if (end == p) {
      std::string token;
      while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',') token += *p++;
      throw Error(where + ": '" + token + "' is not a number");
    }
    values.push_back(static_cast<double>(x));
    p = end;
  }
  return values;
}

void write_value(std::ostream& out, double x) { out << static_cast<float>(x); }

}  // namespace

TextFormat parse_text_format(const std::string& name) {
  if (name == "lower-distance") return TextFormat::lower_distance;
  if (name == "distance") return TextFormat::distance;
  if (name == "point-cloud") return TextFormat::point_cloud;
  throw Error("unknown format '" + name + "'; use lower-distance, distance or point-cloud");
}

MetricInput read_text_input(const std::string& path, TextFormat format) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open '" + path + "'", Error::Kind::file_not_found);
  std::vector<std::vector<double>> rows;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number)
    rows.push_back(parse_line(line, path + ":" + std::to_string(number)));
  // Trailing blank lines carry no row (in lower-distance, line 0 is legitimately empty).
  while (!rows.empty() && rows.back().empty() && format != TextFormat::lower_distance) rows.pop_back();
  MetricInput input;
  const int64_t n = static_cast<int64_t>(rows.size());
  if (n == 0) throw Error(path + ": empty input");
  const auto where = [&path](int64_t row) { return path + ":" + std::to_string(row + 1); };
  if (format == TextFormat::point_cloud) {
    const int64_t dim = static_cast<int64_t>(rows[0].size());
    std::vector<double> points;
    points.reserve(static_cast<size_t>(n * dim));
    for (int64_t i = 0; i < n; ++i) {
      const auto& r = rows[static_cast<size_t>(i)];
      if (static_cast<int64_t>(r.size()) != dim)
        throw Error(where(i) + ": point has " + std::to_string(r.size()) +
                    " coordinates, the first has " + std::to_string(dim));
      points.insert(points.end(), r.begin(), r.end());
    }
    input.distances = DistanceMatrix::from_points(PointCloudView{points.data(), n, dim}, path,
                                                  DistanceMatrix::Arithmetic::float32);
    input.is_point_cloud = true;
    input.point_dimension = dim;
    return input;
  }
  if (format == TextFormat::distance) {
    // Full matrices are checked for squareness, symmetry and the diagonal, like HDF5 inputs.
    std::vector<double> full;
    full.reserve(static_cast<size_t>(n * n));
    for (int64_t i = 0; i < n; ++i) {
      const auto& r = rows[static_cast<size_t>(i)];
      if (static_cast<int64_t>(r.size()) != n)
        throw Error(where(i) + ": a distance matrix must be square, row " + std::to_string(i) +
                    " has " + std::to_string(r.size()) + " values for " + std::to_string(n) + " rows");
      full.insert(full.end(), r.begin(), r.end());
    }
    input.distances = DistanceMatrix::from_square(full.data(), n, n, path);
    return input;
  }
  // lower-distance: as the `ripser` program reads it, a stream of numbers d(1,0), d(2,0),
  // d(2,1), d(3,0), … in any line layout (row 1 on the first line, or after an empty line 0,
  // or all on one line), n taken from their count n(n-1)/2. Unlike the program, which
  // silently drops what is left over, a count that is not such a number is an error: a file
  // with a diagonal or a missing value would otherwise be read as another matrix.
  std::vector<float> lower;
  for (const auto& r : rows) {
    for (double v : r) lower.push_back(static_cast<float>(v));
  }
  const auto count = static_cast<int64_t>(lower.size());
  const auto m = static_cast<int64_t>((1 + std::sqrt(1.0 + 8.0 * double(count))) / 2);
  if (m * (m - 1) / 2 != count) {
    throw Error(path + ": " + std::to_string(count) + " values do not form a lower triangle (n(n-1)/2 values " +
                "for n points: " + std::to_string(m * (m - 1) / 2) + " for " + std::to_string(m) + ", " +
                std::to_string((m + 1) * m / 2) + " for " + std::to_string(m + 1) +
                "); lower-distance holds d(1,0), d(2,0), d(2,1), d(3,0), ... without the diagonal");
  }
  input.distances = DistanceMatrix::from_lower_triangle(lower, m, path);
  return input;
}

void write_ripser_intervals(std::ostream& out, const Barcodes& barcodes, int64_t points) {
  // The `ripser` program caps the dimension at points - 2 (no k-simplex has fewer than
  // k + 2 vertices to bound it), so it prints no header beyond that.
  const size_t dims = std::min(barcodes.bars.size(), static_cast<size_t>(std::max<int64_t>(1, points - 1)));
  for (size_t dim = 0; dim < dims; ++dim) {
    out << "persistence intervals in dim " << dim << ":\n";
    for (const PersistencePair& p : barcodes.bars[dim]) {
      out << " [";
      write_value(out, p.birth);
      out << ",";
      if (std::isinf(p.death)) {
        out << " )\n";
      } else {
        write_value(out, p.death);
        out << ")\n";
      }
    }
  }
}

void write_ripser_output(std::ostream& out, const MetricInput& input, const Barcodes& barcodes,
                         double requested_threshold) {
  const DistanceMatrix& d = input.distances;
  const bool thresholded = !std::isinf(requested_threshold);
  if (input.is_point_cloud)
    out << "point cloud with " << d.size() << " points in dimension " << input.point_dimension << "\n";
  // The `ripser` program reports the value range and the matrix kind, except for a point
  // cloud with an explicit threshold, which it turns into a sparse matrix silently.
  if (!(input.is_point_cloud && thresholded)) {
    out << "value range: [" << d.min_distance() << "," << d.max_distance() << "]\n";
    if (thresholded) {
      // Debian's ripser 1.2.1 prints (n*n - 1) / 2 as the entry count of the dense matrix.
      out << "sparse distance matrix with " << d.size() << " points and "
          << d.count_edges(static_cast<float>(requested_threshold)) << "/"
          << (d.size() * d.size() - 1) / 2 << " entries\n";
    } else {
      out << "distance matrix with " << d.size() << " points, using threshold at enclosing radius "
          << static_cast<float>(barcodes.threshold) << "\n";
    }
  }
  write_ripser_intervals(out, barcodes, d.size());
}

}  // namespace rnnscope::topo
