// Parameters several task families declare the same way (noise, coherences).
#include "task_params.h"

#include "rnnscope/core/error.h"

namespace rnnscope::tasks {

ParamSpec sigma_param(double default_sigma) {
  return ParamSpec("sigma", ParamKind::number, default_sigma,
                    "input noise strength; per-step std is sigma / sqrt(dt in ms), as in neurogym")
      .with_min(0);
}

ParamSpec coherences_param(std::vector<double> defaults) {
  return ParamSpec("coherences", ParamKind::number_list, defaults,
                    "motion coherences in percent, one drawn per trial (and modality)")
      .with_min(0)
      .with_max(100);
}

std::vector<double> nonempty_list(const Json& resolved, const std::string& key) {
  auto values = resolved.at(key).get<std::vector<double>>();
  require(!values.empty(), key + " must not be empty");
  return values;
}

}  // namespace rnnscope::tasks
