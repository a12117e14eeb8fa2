// Every task reachable by name from config, CLI and Python. One test runs every registered
// task (shapes, determinism under a seed, masks, labels).
#pragma once

#include "rnnscope/tasks/task.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rnnscope::tasks {

struct TaskEntry {
  std::string name;
  // Parameters the task accepts in config [task] (besides `name`), `dt` and `timing` included.
  std::vector<ParamSpec> params;
  // Builds the task from resolved parameters (output of resolve_params over `params`).
  std::function<std::unique_ptr<Task>(const Json& resolved)> make;
};

const std::vector<TaskEntry>& registry();
std::vector<std::string> names();
const TaskEntry& find(const std::string& name);  // Error listing the known names

// Validates `params` (a table without `name`) and returns them with every default filled in
// and the `timing` table merged over the task's default timing (what params() of the built
// task returns, and what a resolved config.toml [task] holds).
Json resolve(const std::string& name, const Json& params,
             const std::string& context = "task parameters");

// Validates `params` (a table without `name`) and builds the task. `context` is used in
// error messages ("config.toml [task]").
std::unique_ptr<Task> make(const std::string& name, const Json& params,
                           const std::string& context = "task parameters");

// The task as evaluations see it: rebuilt with its TaskInfo::evaluation_params over its own
// parameters (the trainer's evaluation set, `rnnscope eval`).
std::unique_ptr<Task> evaluation_task(const Task& task);

// Human-readable description: periods, channels, criterion, parameters with defaults.
std::string describe(const std::string& name);

}  // namespace rnnscope::tasks
