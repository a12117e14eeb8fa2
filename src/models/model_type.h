// What a model type registers (src/models/registry.cpp): its declarations and its factory.
// Private to the LibTorch library.
#pragma once

#include "models/model_internal.h"

#include "rnnscope/models/registry.h"

#include <functional>
#include <memory>

namespace rnnscope::rnn {

// What a model is built for: the task's channels, the step in ms, the run seed and the
// number of independent replicas (train.replicas; a type that has none builds one network
// and make_model refuses more).
struct ModelContext {
  const tasks::TaskInfo& task;
  double dt_ms = 0;
  uint64_t seed = 0;
  int64_t replicas = 1;
};

struct ModelType {
  models::ModelTypeInfo info;
  // Builds the model from its resolved [model] table (models::resolve), initialised from
  // context.seed.
  std::function<std::shared_ptr<RecurrentModel>(const Json& resolved, const ModelContext& context)> make;
};

// Declarations several model types share, so that they read the same everywhere.
ParamSpec engine_param();
ParamSpec units_param();
ParamSpec learn_x0_param(const std::string& state_name);

}  // namespace rnnscope::rnn
