// Resolving the inputs of `rnnscope ph` / `rnnscope rtd` (and their Python twins): an HDF5
// dataset named "file.h5:/dataset" or a text file in the `ripser` program's formats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/memory.h"
#include "rnnscope/topo/text_formats.h"

namespace rnnscope::topo {

struct DatasetSpec {
  std::string file;
  std::string dataset;
};

// Splits "file.h5:/group/data" at the last ":/" ; false if there is none.
bool parse_dataset_spec(const std::string& spec, DatasetSpec* out);

// The string attribute of an HDF5 dataset that states what it holds ("lower-distance",
// "distance" or "point-cloud"), for files that should not need --format.
inline constexpr const char* kFormatAttribute = "format";

// Reads a persistence input. `format` is "" (unstated), "lower-distance", "distance" or
// "point-cloud". HDF5 datasets are never classified by their values: unstated, the dataset's
// `format` attribute decides, else its shape where only one reading exists (1-D -> lower
// triangle d(1,0), d(2,0), d(2,1), …; 2-D not square -> point cloud [n, d]); a square 2-D
// dataset without a stated format is an error. Text files, unstated: lower-distance, as the
// `ripser` program.
// The distance matrix's memory is checked against `memory` before it is allocated.
MetricInput read_metric_input(const std::string& spec, const std::string& format = "",
                              const MemoryBudget& memory = {});

// The reading an array's shape allows when no format is stated: 1-D -> "lower-distance",
// 2-D not square -> "point-cloud"; a square 2-D array (a distance matrix or as many points
// as dimensions) is an Error naming `what` and `how_to_state` the format.
std::string format_from_shape(const std::vector<int64_t>& shape, const std::string& what,
                              const std::string& how_to_state);

// An array read as `format` ("lower-distance" 1-D, "distance" [n, n], "point-cloud" [n, d]),
// validated (errors name `what` and the entry: NaN/inf, negative, diagonal, asymmetry).
// The distance matrix's memory is checked against `memory` before it is allocated.
MetricInput metric_input_from_array(const h5::Array& a, const std::string& format, const std::string& what,
                                    const MemoryBudget& memory = {});

// Reads a 2-D HDF5 dataset "file.h5:/dataset" as a point cloud [n, d] (for RTD).
h5::Array read_point_cloud(const std::string& spec);

}  // namespace rnnscope::topo
