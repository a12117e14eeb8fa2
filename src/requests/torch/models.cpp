// The models request (include/rnnscope/requests/models.h).
#include "rnnscope/requests/models.h"

#include "rnnscope/models/registry.h"

namespace rnnscope::requests {

std::string run_models(const ModelsRequest& req) {
  if (!req.name.empty()) return models::describe(req.name);
  std::string out;
  for (const auto& info : models::model_types()) {
    std::string line = info.name;
    line.resize(std::max<size_t>(line.size() + 1, 24), ' ');
    out += line + info.summary + "\n";
  }
  return out;
}

}  // namespace rnnscope::requests
