// The text formats of the `ripser` program (Bauer, Ripser 1.2): reading its inputs and
// writing barcodes in its output layout, so results can be diffed against it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "rnnscope/topo/distance_matrix.h"
#include "rnnscope/topo/vietoris_rips.h"

namespace rnnscope::topo {

enum class TextFormat {
  lower_distance,  // the numbers d(1,0), d(2,0), d(2,1), … in any line layout; n from their count
  distance,        // the full matrix, one row per line (the lower triangle is used)
  point_cloud,     // one point per line
};

// "lower-distance" | "distance" | "point-cloud"; Error for anything else.
TextFormat parse_text_format(const std::string& name);

// What an input held: the distances and, for a point cloud, its dimension.
struct MetricInput {
  DistanceMatrix distances;
  bool is_point_cloud = false;
  int64_t point_dimension = 0;
};

// Values are separated by whitespace and/or commas, one row per line, as the `ripser`
// program reads them (its lower-distance reader, too, takes one row per line). Errors name
// the file and line: missing file, non-numbers, ragged rows, and the matrix checks.
MetricInput read_text_input(const std::string& path, TextFormat format);

// The `ripser` program's output, header included, for `barcodes` computed from `input`
// with max_dim and the given threshold (+inf = the enclosing radius was used). With
// the same input and options the output is the same text as `ripser --dim max_dim`.
void write_ripser_output(std::ostream& out, const MetricInput& input, const Barcodes& barcodes,
                         double requested_threshold);

// Only the barcode part: "persistence intervals in dim k:" and " [birth,death)" lines, for
// dimensions up to points - 2 as the `ripser` program prints them.
void write_ripser_intervals(std::ostream& out, const Barcodes& barcodes, int64_t points);

}  // namespace rnnscope::topo
