// `rnnscope ph` / `rnnscope.ph`: Vietoris–Rips barcodes of a point cloud or distance matrix,
// from a file (the CLI) or an array in memory (Python), with the output policy and the
// record (the BARS.h5 layout, docs/topology.md) in one place.
#pragma once

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"
#include "rnnscope/topo/text_formats.h"
#include "rnnscope/topo/vietoris_rips.h"

#include <limits>
#include <optional>
#include <string>

namespace rnnscope::requests {

struct PhRequest {
  // The input: a file (`input`: "FILE.h5:/DATASET" or a text file in a `ripser` format) or,
  // when `array` is set, that 2-D array. Read as `format`: "lower-distance", "distance",
  // "point-cloud", or "" unstated (topo/inputs.h: never guessed from the values; a square
  // HDF5 dataset or array without a stated format is an error).
  std::string input;
  std::string format;
  std::optional<h5::Array> array;
  int max_dim = 1;
  double threshold = std::numeric_limits<double>::infinity();  // +inf: the enclosing radius
  int threads = 1;
  // Refuse (before allocating) a computation whose memory estimate exceeds this many GB;
  // 0: the memory available when it starts.
  double memory_limit_gb = 0;
  std::string out;     // BARS.h5 to write ("" = none)
  bool force = false;  // overwrite `out`
  Door door = Door::cli;
};

struct PhResult {
  topo::MetricInput input;   // what was read (distances, point-cloud shape) for printing
  topo::Barcodes barcodes;
  // /dim0, /dim1, … [k, 2] float64 (birth, death; death = +inf for classes that never
  // die); attributes max_dim, threshold, points, source.
  Record record;
};

PhResult run_ph(const PhRequest& request);

}  // namespace rnnscope::requests
