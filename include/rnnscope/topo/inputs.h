// Resolving the inputs of `rnnscope ph` / `rnnscope rtd` (and their Python twins): an HDF5
// dataset named "file.h5:/dataset" or a text file in the `ripser` program's formats.
#pragma once

#include <string>

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/topo/text_formats.h"

namespace rnnscope::topo {

struct DatasetSpec {
  std::string file;
  std::string dataset;
};

// Splits "file.h5:/group/data" at the last ":/" ; false if there is none.
bool parse_dataset_spec(const std::string& spec, DatasetSpec* out);

// Reads a persistence input. `format` is "" (automatic), "lower-distance", "distance" or
// "point-cloud". HDF5 datasets, automatic: 1-D -> lower triangle d(1,0), d(2,0), d(2,1), …;
// 2-D square with zero diagonal and symmetric -> distance matrix; any other 2-D -> point
// cloud [n, d] (pass "point-cloud" for a square point cloud that looks like a distance
// matrix). Text files, automatic: lower-distance, as the `ripser` program.
MetricInput read_metric_input(const std::string& spec, const std::string& format = "");

// Reads a 2-D HDF5 dataset "file.h5:/dataset" as a point cloud [n, d] (for RTD).
h5::Array read_point_cloud(const std::string& spec);

}  // namespace rnnscope::topo
