// Every model type reachable by name from config ([model] type), CLI (`rnnscope models`) and
// Python (`rnnscope.models`). Each type declares its parameters once (kind, default, range,
// doc); validation, help and listings come from those declarations. Torch-free header; the
// registry itself lives in the LibTorch library (src/models/registry.cpp), beside the models.
#pragma once

#include "rnnscope/core/params.h"

#include <string>
#include <vector>

namespace rnnscope::models {

struct ModelTypeInfo {
  std::string name;
  std::string summary;            // one line, for listings
  std::string description;        // the update equations and options, for `models show`
  std::vector<ParamSpec> params;  // [model] keys besides `type`
};

// Every registered model type, in registration order.
const std::vector<ModelTypeInfo>& model_types();
std::vector<std::string> names();
const ModelTypeInfo& find(const std::string& name);  // Error listing the known names

// The [model] table validated against its type's declarations (`type` defaults to the first
// registered type), every default filled in, `type` first. Unknown keys are errors that list
// what this type allows. `context` names the source ("config.toml [model]").
Json resolve(const Json& model_table, const std::string& context);

// Human-readable description of one type: summary and parameters with defaults.
std::string describe(const std::string& name);

}  // namespace rnnscope::models
