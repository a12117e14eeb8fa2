// Parameter declarations and reads shared by several task families.
#pragma once

#include "rnnscope/core/params.h"

#include <string>
#include <vector>

namespace rnnscope::tasks {

// `sigma`: input noise strength (per-step std sigma / sqrt(dt_ms), neurogym's convention).
ParamSpec sigma_param(double default_sigma);
// `coherences`: motion coherences in percent, each in [0, 100].
ParamSpec coherences_param(std::vector<double> defaults);
// A number_list parameter of `resolved` as doubles; Error if the list is empty.
std::vector<double> nonempty_list(const Json& resolved, const std::string& key);

}  // namespace rnnscope::tasks
