// `rnnscope tasks` and `rnnscope tasks show NAME`.
#include "commands.h"

#include "rnnscope/tasks/registry.h"

#include <iostream>

namespace rnnscope::cli {

void add_tasks_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tasks", "List the cognitive tasks, or describe one");
  cmd->footer("Examples:\n  rnnscope tasks\n  rnnscope tasks show perceptual_dm");
  auto* show = cmd->add_subcommand("show", "Periods, input/output channels, success criterion and "
                                           "parameters (with defaults) of one task");
  auto name = std::make_shared<std::string>();
  show->add_option("NAME", *name, "task name, as `rnnscope tasks` lists it")->required();
  show->callback([name] { std::cout << tasks::describe(*name); });
  cmd->callback([cmd] {
    if (cmd->got_subcommand("show")) return;
    for (const auto& entry : tasks::registry()) {
      const auto task = entry.make(resolve_params(Json::object(), entry.params, entry.name));
      std::cout << entry.name;
      for (size_t i = entry.name.size(); i < 24; ++i) std::cout << ' ';
      std::cout << task->info().description.substr(0, task->info().description.find('.') + 1) << "\n";
    }
  });
}

}  // namespace rnnscope::cli
