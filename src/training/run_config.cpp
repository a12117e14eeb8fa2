// Resolution of a whole run config: each section against its own declarations.
#include "rnnscope/training/run_config.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/models/registry.h"
#include "rnnscope/nback/run_params.h"
#include "rnnscope/tasks/registry.h"

#include <algorithm>
#include <optional>

namespace rnnscope::rnn {

namespace {

constexpr const char* kSections[] = {"seed", "task", "model", "train"};
// Sections of N-back runs only ([task] name = "nback").
constexpr const char* kNbackSections[] = {"stimuli", "nback", "perception"};

std::string known_task_names() {
  std::string out = nback::kRunTaskName;
  for (const auto& n : tasks::names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The error resolving `config` gives, if any.
std::optional<Error> resolution_error(const Json& config, const std::string& context) {
  try {
    resolve_run_config(config, context);
    return std::nullopt;
  } catch (const Error& e) {
    return e;
  }
}

}  // namespace

Json resolve_run_config(const Json& raw, const std::string& context) {
  require(raw.is_object(), context + ": expected a table");
  for (const auto& [key, value] : raw.items()) {
    bool known = false;
    for (const char* k : kSections) known = known || key == k;
    for (const char* k : kNbackSections) known = known || key == k;
    require(known, context + ": unknown key '" + key +
                       "'; allowed: seed, [task], [model], [train] (and [stimuli], [nback], [perception] "
                       "with [task] name = \"nback\")");
  }
  Json out = Json::object();
  out["seed"] = resolve_params(Json{{"seed", raw.value("seed", Json(0))}},
                               {ParamSpec{"seed", ParamKind::integer, 0, "run seed"}.with_min(0)},
                               context)["seed"];

  require(raw.contains("task") && raw["task"].is_object() && raw["task"].contains("name"),
          context + ": [task] name is required; known tasks: " + known_task_names());
  const Json& task = raw["task"];
  require(task["name"].is_string(), context + " [task] name: expected a string");
  const auto task_name = task["name"].get<std::string>();
  const bool nback_run = task_name == nback::kRunTaskName;
  for (const char* k : kNbackSections) {
    require(nback_run || !raw.contains(k), context + ": [" + k + "] belongs to N-back runs ([task] name = \"" +
                                               nback::kRunTaskName + "\"), not to task '" + task_name + "'");
  }
  if (nback_run) {
    const Json sections = nback::resolve_run_sections(raw, context);
    for (const auto& [key, value] : sections.items()) out[key] = value;
  } else {
    const auto known = tasks::names();
    require(std::find(known.begin(), known.end(), task_name) != known.end(),
            context + " [task] name: unknown task '" + task_name + "' (task.name); known tasks: " + known_task_names());
    Json task_params = task;
    task_params.erase("name");
    auto made = tasks::make(task_name, task_params, context + " [task]");
    Json resolved_task = Json::object();
    resolved_task["name"] = task_name;
    for (const auto& [k, v] : made->params().items()) resolved_task[k] = v;
    out["task"] = resolved_task;
  }

  out["model"] = models::resolve(raw.value("model", Json::object()), context + " [model]");
  out["train"] = resolve_params(raw.value("train", Json::object()), train_param_specs(), context + " [train]");
  if (nback_run) {
    // The N-back model is one network of its own (models/nback_model.h) stepping by frames.
    require(out["train"]["replicas"] == 1, context + " [train] replicas: N-back runs train one network (1), got " +
                                               out["train"]["replicas"].dump());
    require(out["train"]["method"] == "none", context + " [train] method: N-back runs allow \"none\" only, got " +
                                                  out["train"]["method"].dump());
  }
  return out;
}

Json resolve_run_config(Json config, const std::vector<std::string>& overrides, const std::string& context,
                        const std::string& override_source) {
  const Json given = config;
  for (const auto& o : overrides) apply_override(config, o, override_source);
  try {
    return resolve_run_config(config, context);
  } catch (const Error&) {
    // Blame the override that broke a config that resolved without it ("--set
    // model.units=abc: … expected integer"), not the file, which holds no such value.
    Json partial = given;
    bool resolved = !resolution_error(partial, context);
    for (const auto& o : overrides) {
      apply_override(partial, o, override_source);
      const auto error = resolution_error(partial, override_source + " " + o);
      if (resolved && error) throw *error;
      resolved = !error;
    }
    throw;
  }
}

}  // namespace rnnscope::rnn
