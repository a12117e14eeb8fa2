// Barcodes as record arrays: [k, 2] float64 rows of (birth, death), shared by the ph and rtd
// records.
#pragma once

#include "rnnscope/requests/record.h"
#include "rnnscope/topo/vietoris_rips.h"

#include <string>
#include <vector>

namespace rnnscope::requests {

inline void add_bars(Record& record, std::string name, const std::vector<topo::PersistencePair>& bars) {
  std::vector<double> flat;
  flat.reserve(bars.size() * 2);
  for (const auto& bar : bars) {
    flat.push_back(bar.birth);
    flat.push_back(bar.death);
  }
  record.add(std::move(name), {int64_t(bars.size()), 2}, std::move(flat));
}

}  // namespace rnnscope::requests
