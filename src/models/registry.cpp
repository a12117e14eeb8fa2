// The model registry: one line per model type. A new type is one file defining
// `ModelType <name>_model_type()` (see ctrnn.cpp) plus its line here (docs/extending.md).
#include "models/model_type.h"

#include "rnnscope/core/error.h"

#include <sstream>

namespace rnnscope::rnn {

ModelType ctrnn_model_type();  // ctrnn.cpp
ModelType gru_model_type();    // gated.cpp
ModelType lstm_model_type();   // gated.cpp

namespace {

const std::vector<ModelType>& registered() {
  static const std::vector<ModelType> types = {
      ctrnn_model_type(),
      gru_model_type(),
      lstm_model_type(),
  };
  return types;
}

const ModelType& find_type(const std::string& name) {
  for (const auto& type : registered()) {
    if (type.info.name == name) return type;
  }
  std::string known;
  for (const auto& n : models::names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("[model] type = \"" + name + "\" is not allowed; allowed: " + known);
}

}  // namespace

ParamSpec engine_param() {
  return ParamSpec{"engine", ParamKind::string, "fused",
                   "fused (whole-sequence kernels) or reference (plain autograd, the test oracle)"}
      .with_choices({"fused", "reference"});
}

ParamSpec units_param() {
  return ParamSpec{"units", ParamKind::integer, 128, "number of recurrent units"}.with_min(1).with_max(100000);
}

ParamSpec learn_x0_param(const std::string& state_name) {
  return ParamSpec{"learn_x0", ParamKind::boolean, false, "learn the initial state " + state_name + " (else zeros)"};
}

std::shared_ptr<RecurrentModel> make_model(const Json& resolved, const tasks::TaskInfo& task, double dt_ms,
                                           uint64_t seed, int64_t replicas) {
  const std::string type = resolved.at("type").get<std::string>();
  auto model = find_type(type).make(resolved, ModelContext{task, dt_ms, seed, replicas});
  require(model->replicas() == replicas, "train.replicas = " + std::to_string(replicas) + ": [model] type = \"" +
                                             type + "\" trains one network per run; replicas need type = \"ctrnn\"");
  return model;
}

}  // namespace rnnscope::rnn

namespace rnnscope::models {

const std::vector<ModelTypeInfo>& model_types() {
  static const std::vector<ModelTypeInfo> infos = [] {
    std::vector<ModelTypeInfo> out;
    for (const auto& type : rnn::registered()) out.push_back(type.info);
    return out;
  }();
  return infos;
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& info : model_types()) out.push_back(info.name);
  return out;
}

const ModelTypeInfo& find(const std::string& name) { return rnn::find_type(name).info; }

Json resolve(const Json& model_table, const std::string& context) {
  require(model_table.is_object(), context + ": expected a table");
  const Json type_name = model_table.contains("type") ? model_table.at("type") : Json(names().front());
  require(type_name.is_string(), context + " type: expected a string");
  const ModelTypeInfo& info = find(type_name.get<std::string>());
  // A key of another type (a rate network's `tau` given to a GRU, say, after switching
  // `type`) gets a message that says so; other unknown keys are reported by resolve_params.
  const auto declares = [](const ModelTypeInfo& type, const std::string& key) {
    for (const auto& spec : type.params) {
      if (spec.name == key) return true;
    }
    return false;
  };
  for (const auto& item : model_table.items()) {
    if (item.key() == "type" || declares(info, item.key())) continue;
    for (const auto& other : model_types()) {
      if (!declares(other, item.key())) continue;
      std::string allowed = "type";
      for (const auto& spec : info.params) allowed += ", " + spec.name;
      throw Error(context + ": unknown key '" + item.key() + "' for type = \"" + info.name + "\" (it is a key of type " +
                  other.name + "); allowed keys: " + allowed);
    }
  }
  std::vector<ParamSpec> specs = {
      ParamSpec{"type", ParamKind::string, names().front(), "model type (`rnnscope models` lists them)"}
          .with_choices(names())};
  specs.insert(specs.end(), info.params.begin(), info.params.end());
  return resolve_params(model_table, specs, context + " (type = \"" + info.name + "\")");
}

std::string describe(const std::string& name) {
  const ModelTypeInfo& info = find(name);
  std::ostringstream out;
  out << info.name << "\n  " << info.summary << ".\n  " << info.description
      << "\n  parameters ([model] keys besides type):\n"
      << describe_params(info.params, "    ");
  return out.str();
}

}  // namespace rnnscope::models
