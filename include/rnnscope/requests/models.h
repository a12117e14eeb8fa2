// `rnnscope models [show NAME]` / `rnnscope.models`: the model registry as text.
#pragma once

#include <string>

namespace rnnscope::requests {

struct ModelsRequest {
  std::string name;  // "" lists every type (name and summary); else describes that type
};

std::string run_models(const ModelsRequest& request);

}  // namespace rnnscope::requests
