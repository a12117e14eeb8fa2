// `rnnscope eval DIR --trials N --out FILE.h5`: options and help here, the run in the LibTorch
// plugin (cli/torch/eval.cpp).
#include "commands.h"

#include "torch_commands.h"

namespace rnnscope::cli {

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Run a trained network on fresh trials and save its activity");
  cmd->add_option("DIR", args->run_dir, "run directory written by `rnnscope train`")->required();
  cmd->add_option("--trials,-n", args->trials, "number of trials (default 256)");
  cmd->add_option("--out,-o", args->out, "HDF5 file for inputs, targets, mask, outputs, states, "
                                         "correct, conditions (all [trials, T, ...])");
  cmd->add_flag("--no-noise", args->no_noise, "switch recurrent noise off");
  cmd->add_option("--seed", args->seed, "seed for the trials and noise (default: derived from the run's seed)");
  cmd->add_flag("--force", args->force, "overwrite --out if it exists");
  cmd->footer("Example:\n  rnnscope eval runs/demo --trials 500 --no-noise --out runs/demo/eval.h5");
  cmd->callback([args] { run_torch_command<decltype(rnnscope_torch_eval)>("rnnscope_torch_eval", *args); });
}

}  // namespace rnnscope::cli
