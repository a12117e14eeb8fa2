// `rnnscope train CONFIG --out DIR`: options and help here; the request runs in the LibTorch
// plugin (requests/train.h); progress and the closing lines are printed here.
#include "commands.h"

#include "progress.h"
#include "stop_signal.h"
#include "torch_commands.h"
#include "validators.h"

#include "rnnscope/requests/train.h"
#include "rnnscope/training/run_config.h"

#include <cstdio>

namespace rnnscope::cli {
namespace {

struct TrainArgs {
  requests::TrainRequest request;
  bool quiet = false;
};

void run_train(TrainArgs args) {
  auto& req = args.request;
  ProgressPrinter printer;
  if (!args.quiet) {
    req.progress = [&printer](const rnn::TrainProgress& p) {
      char text[256];
      char acc[16] = "  -  ";
      if (p.accuracy >= 0) std::snprintf(acc, sizeof acc, "%.3f", p.accuracy);
      std::snprintf(text, sizeof text, "step %lld/%lld  loss %.4f  accuracy %s  %.1f steps/s  ETA %s",
                    static_cast<long long>(p.step), static_cast<long long>(p.max_steps), p.loss, acc,
                    p.steps_per_second, p.eta_seconds < 0 ? "-" : format_duration(p.eta_seconds).c_str());
      printer.update(text, p.evaluated);
    };
  }
  req.stop_requested = stop_requested;
  install_stop_handlers();
  const Json summary = run_in_torch_plugin<Json>("train", req);
  printer.finish();
  if (summary.at("status") == "interrupted") {
    std::printf("stopped after %lld steps; continue with: rnnscope train --out %s --resume\n",
                static_cast<long long>(summary.at("steps").get<int64_t>()), req.out.c_str());
    return;
  }
  std::printf("run written to %s\n", req.out.c_str());
  // One accuracy per replica; a single network's is a number.
  const Json& accuracy = summary.at("final_accuracy");
  char accuracy_text[64];
  std::snprintf(accuracy_text, sizeof accuracy_text, "%.4f", accuracy.is_number() ? accuracy.get<double>() : -1.0);
  std::printf("final accuracy %s after %lld steps (%s, %.1f s, %.1f steps/s)\n",
              accuracy.is_number() ? accuracy_text : accuracy.dump().c_str(),
              static_cast<long long>(summary.at("steps").get<int64_t>()),
              summary.at("stop_reason").get<std::string>().c_str(), summary.at("wall_seconds").get<double>(),
              summary.at("train_steps_per_second").get<double>());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto& req = args->request;
  auto* cmd = app.add_subcommand("train", "Train a recurrent network on a cognitive task");
  cmd->add_option("CONFIG", req.config_path, "TOML config: seed, [task], [model], [train]");
  cmd->add_option("--out,-o", req.out, "run directory to write (config.toml, summary.json, "
                                       "history.h5, model.h5, checkpoint.pt)")
      ->required();
  cmd->add_option("--set", req.overrides, "override a config value, e.g. --set model.units=64 "
                                          "(repeatable)");
  cmd->add_flag("--force", req.force, "overwrite an existing run directory: removes the files a run writes "
                                      "(docs/outputs.md) and keeps any others");
  cmd->add_flag("--resume", req.resume, "continue the run in --out from its checkpoint; ends "
                                        "bit-identical to an uninterrupted run. With --set (or CONFIG) it may "
                                        "change the budget and schedule (" + rnn::continuable_keys_text() +
                                            "): continues a stopped or finished run, recorded in history.h5");
  cmd->add_option_function<int64_t>(
      "--stop-after", [args](int64_t steps) { args->request.stop_after = steps; },
      "stop once this many steps are done in total (>= 1; a resumed run counts its earlier steps), "
      "with a checkpoint (continue later with --resume)");
  add_memory_limit_option(cmd, req.memory_limit_gb, "training and evaluation batches");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->footer("Config keys (each also settable with --set section.key=value):\n" + rnn::describe_run_config() +
              "\nExamples:\n  rnnscope train configs/demo.toml --out runs/demo\n"
              "  rnnscope train configs/demo.toml --out runs/small --set model.units=64 --set train.max_steps=500\n"
              "  rnnscope train --out runs/demo --resume\n"
              "  rnnscope train --out runs/demo --resume --set train.max_steps=4000   (train a finished run longer)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace rnnscope::cli
