// `rnnscope models` and `rnnscope models show TYPE`: the model registry (requests/models.h),
// listed from the LibTorch plugin, where the models live.
#include "commands.h"

#include "torch_commands.h"

#include "rnnscope/requests/models.h"

#include <iostream>

namespace rnnscope::cli {

void add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the model types, or describe one");
  cmd->footer("Examples:\n  rnnscope models\n  rnnscope models show ctrnn");
  auto* show = cmd->add_subcommand("show", "Summary and parameters (with defaults) of one model type: the "
                                           "[model] keys it accepts");
  auto request = std::make_shared<requests::ModelsRequest>();
  show->add_option("TYPE", request->name, "model type, as `rnnscope models` lists it")->required();
  show->callback([request] { std::cout << run_in_torch_plugin<std::string>("models", *request); });
  cmd->callback([cmd] {
    if (cmd->got_subcommand("show")) return;
    std::cout << run_in_torch_plugin<std::string>("models", requests::ModelsRequest{});
  });
}

}  // namespace rnnscope::cli
