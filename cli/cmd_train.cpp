// `rnnscope train CONFIG --out DIR`: options and help here, the run in the LibTorch plugin
// (cli/torch/train.cpp).
#include "commands.h"

#include "torch_commands.h"

#include "rnnscope/training/run_config.h"

namespace rnnscope::cli {

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train a recurrent network on a cognitive task");
  cmd->add_option("CONFIG", args->config_path, "TOML config: seed, [task], [model], [train]");
  cmd->add_option("--out,-o", args->out_dir, "run directory to write (config.toml, summary.json, "
                                             "history.h5, model.h5, checkpoint.pt)")
      ->required();
  cmd->add_option("--set", args->overrides, "override a config value, e.g. --set model.units=64 "
                                            "(repeatable)");
  cmd->add_flag("--force", args->force, "overwrite an existing run directory");
  cmd->add_flag("--resume", args->resume, "continue the run in --out from its checkpoint; ends "
                                          "bit-identical to an uninterrupted run");
  cmd->add_option("--stop-after", args->stop_after, "stop after this many steps in total, with a "
                                                    "checkpoint (continue later with --resume)");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->footer("Config keys (each also settable with --set section.key=value):\n" +
              rnn::describe_run_config() +
              "\nExamples:\n  rnnscope train configs/demo.toml --out runs/demo\n"
              "  rnnscope train configs/demo.toml --out runs/small --set model.units=64 --set train.max_steps=500\n"
              "  rnnscope train --out runs/demo --resume");
  cmd->callback([args] { run_torch_command<decltype(rnnscope_torch_train)>("rnnscope_torch_train", *args); });
}

}  // namespace rnnscope::cli
