// `rnnscope cp` / `rnnscope.cp`: CP decompositions of a 3-way tensor for one or more ranks,
// from an HDF5 dataset (the CLI) or an array (Python), with the output policy and the record
// (the layout docs/ltr.md, "CP decomposition", describes) in one place.
#pragma once

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/decomp/cp.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct CpRequest {
  // The tensor: `input` "FILE.h5[:/DATASET]" (no dataset: /tensor, or else the file's only 3-D
  // dataset at the root), or, when set, `array` (3-D).
  std::string input;
  std::optional<h5::Array> array;
  std::vector<int> ranks{1};  // each fitted in turn; distinct, each >= 1
  decomp::CpOptions options;  // its rank is set from `ranks`
  std::string out;            // CP.h5 to write ("" = none)
  bool force = false;         // overwrite `out`
  Door door = Door::cli;
};

struct CpRankResult {
  int rank = 0;
  decomp::CpFit fit;
  double seconds = 0;
};

struct CpResult {
  std::vector<CpRankResult> ranks;
  // /ranks [n] int64, /relative_error, /restart_similarity [n] float64, /iterations [n] int64,
  // /converged [n] uint8, and per rank /rank_<R>/a [I, R], /b [J, R], /c [K, R], /weights [R],
  // /restart_errors [restarts]; attributes source, shape, restarts, nonnegative, seed,
  // max_iterations, tolerance, version, seconds.
  Record record;
};

CpResult run_cp(const CpRequest& request);

}  // namespace rnnscope::requests
