// The table of tasks by name: lookup with helpful errors, validated construction, help text.
#include "rnnscope/tasks/registry.h"

#include "rnnscope/core/error.h"
#include "rnnscope/tasks/timing.h"
#include "task_entries.h"
#include "text.h"

#include <sstream>

namespace rnnscope::tasks {
namespace {

const ParamSpec* find_param(const TaskEntry& entry, const std::string& name) {
  for (const auto& spec : entry.params) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string channel_text(const std::vector<ChannelGroup>& groups) {
  std::ostringstream out;
  for (const auto& g : groups) out << "    " << g.name << " [" << g.size << "]: " << g.doc << "\n";
  return out.str();
}

}  // namespace

const std::vector<TaskEntry>& registry() {
  // Built once on first use and never modified afterwards: a constant table, not state.
  static const std::vector<TaskEntry> entries = [] {
    std::vector<TaskEntry> all = {perceptual_dm_entry(),         context_dm_entry(),
                                  delayed_match_entry(),         n_parity_entry(),
                                  interval_reproduction_entry(), centre_out_reach_entry()};
    for (auto& e : yang_family_entries()) all.push_back(std::move(e));
    all.push_back(rule_reversal_entry());
    return all;
  }();
  return entries;
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& entry : registry()) out.push_back(entry.name);
  return out;
}

const TaskEntry& find(const std::string& name) {
  for (const auto& entry : registry()) {
    if (entry.name == name) return entry;
  }
  throw Error("unknown task '" + name + "'; known tasks: " + join(names()));
}

Json resolve(const std::string& name, const Json& params, const std::string& context) {
  const TaskEntry& entry = find(name);
  Json resolved = resolve_params(params, entry.params, context);
  if (const ParamSpec* timing = find_param(entry, "timing")) {
    resolved["timing"] = Timing(timing->default_value, resolved["timing"], context).table();
  }
  return resolved;
}

std::unique_ptr<Task> make(const std::string& name, const Json& params,
                           const std::string& context) {
  const Json resolved = resolve(name, params, context);
  try {
    return find(name).make(resolved);
  } catch (const Error& e) {
    // Checks that involve several parameters at once run in the task's constructor, which
    // does not know where the values came from.
    throw Error(context + ": " + e.what(), e.kind());
  }
}

std::unique_ptr<Task> evaluation_task(const Task& task) {
  Json params = task.params();
  for (const auto& [key, value] : task.info().evaluation_params.items()) params[key] = value;
  return make(task.info().name, params, "[task] as evaluated");
}

std::string describe(const std::string& name) {
  const TaskEntry& entry = find(name);
  const auto task = make(name, Json::object());
  const TaskInfo& info = task->info();
  std::ostringstream out;
  out << info.name << "\n  " << info.description << "\n";
  out << "  periods: " << join(info.periods) << "\n";
  if (task->params().contains("timing")) {
    out << "  default timing (ms):\n";
    for (const auto& item : task->params().at("timing").items()) {
      out << "    " << item.key() << ": "
          << TimingSpec::parse(item.value(), "timing." + item.key()).text() << "\n";
    }
  }
  out << "  inputs (" << info.n_inputs() << "):\n" << channel_text(info.inputs);
  out << "  outputs (" << info.n_outputs() << "):\n" << channel_text(info.outputs);
  out << "  loss: " << loss_name(info.loss)
      << (info.loss == LossKind::cross_entropy ? " (outputs are logits)" : "") << "\n";
  out << "  criterion: " << info.criterion << " (target accuracy "
      << info.default_target_accuracy << ")\n";
  out << "  parameters:\n" << describe_params(entry.params, "    ");
  return out.str();
}

}  // namespace rnnscope::tasks
