// HDF5 files written by `rnnscope ph --out` and `rnnscope rtd --out` (atomic, readable by
// h5py and MATLAB). Layouts are documented in docs/topology.md.
#pragma once

#include <string>

#include "rnnscope/topo/rtd.h"
#include "rnnscope/topo/vietoris_rips.h"

namespace rnnscope::topo {

// /dim0, /dim1, … : [k, 2] float64 (birth, death), death = +inf for classes that never die;
// root attributes max_dim, threshold, points, source. Error if `path` exists and !overwrite.
void write_barcodes(const std::string& path, const Barcodes& barcodes, int64_t points,
                    const std::string& source, bool overwrite);

// /score (1), /trial_scores, /trial_forward, /trial_backward (trials), /rows [trials, batch]
// int64, /trial_<k>/forward_h1 and /trial_<k>/backward_h1 [k, 2]; root attributes trials,
// batch, seed, symmetric, p, q. Error if `path` exists and !overwrite.
void write_rtd(const std::string& path, const RtdResult& result, const RtdOptions& options,
               const std::string& p_source, const std::string& q_source, bool overwrite);

}  // namespace rnnscope::topo
