// `rnnscope rtd` / `rnnscope.rtd`: Representation Topology Divergence of two paired point
// clouds, from files (the CLI) or arrays (Python), with the output policy and the record
// (the F.h5 layout, docs/topology.md) in one place.
#pragma once

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"
#include "rnnscope/topo/rtd.h"

#include <optional>
#include <string>

namespace rnnscope::requests {

struct RtdRequest {
  // The clouds: files "FILE.h5:/DATASET" (`p`, `q`), or the arrays `p_array`, `q_array` when set.
  std::string p, q;
  std::optional<h5::Array> p_array, q_array;
  topo::RtdOptions options;  // options.memory is set from memory_limit_gb
  // Refuse (before allocating) what would need more than this many GB; 0: the available memory.
  double memory_limit_gb = 0;
  std::string out;     // F.h5 to write ("" = none)
  bool force = false;  // overwrite `out`
  Door door = Door::cli;
};

struct RtdResult {
  topo::RtdResult rtd;
  // /score [1], /trial_scores, /trial_forward (and /trial_backward when symmetric) [trials],
  // /rows [trials, batch] int64, /trial_<k>/forward_h1 (and backward_h1) [k, 2]; attributes
  // trials, batch, seed, symmetric, p, q.
  Record record;
};

RtdResult run_rtd(const RtdRequest& request);

}  // namespace rnnscope::requests
