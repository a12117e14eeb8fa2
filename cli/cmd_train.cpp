// `rnnscope train CONFIG --out DIR`.
#include "commands.h"

#include "progress.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/rnn/run_config.h"
#include "rnnscope/rnn/train.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace rnnscope::cli {
namespace {

struct TrainArgs {
  std::string config_path;
  std::string out_dir;
  std::vector<std::string> overrides;
  bool force = false;
  bool resume = false;
  bool quiet = false;
  int64_t stop_after = -1;
};

// Set by SIGINT/SIGTERM; the trainer checkpoints and stops at the end of the current step.
std::atomic<bool> g_stop_requested{false};

extern "C" void request_stop(int) { g_stop_requested = true; }

void run_train(const TrainArgs& args) {
  require(!(args.force && args.resume), "--force and --resume exclude each other");
  rnn::TrainRequest req;
  require(args.resume || !args.config_path.empty(),
          "a config file is required (rnnscope train CONFIG.toml --out DIR), except with --resume");
  if (!args.config_path.empty()) {
    req.config = read_toml_file(args.config_path);
    req.config_source = args.config_path;
  }
  req.overrides = args.overrides;
  req.out_dir = args.out_dir;
  req.existing = args.resume ? ExistingRun::resume : args.force ? ExistingRun::overwrite : ExistingRun::refuse;
  req.stop_after = args.stop_after;
  ProgressPrinter printer;
  if (!args.quiet) {
    req.progress = [&printer](const rnn::TrainProgress& p) {
      char text[256];
      char acc[16] = "  -  ";
      if (p.accuracy >= 0) std::snprintf(acc, sizeof acc, "%.3f", p.accuracy);
      std::snprintf(text, sizeof text, "step %lld/%lld  loss %.4f  accuracy %s  %.1f steps/s  ETA %s",
                    static_cast<long long>(p.step), static_cast<long long>(p.max_steps), p.loss, acc,
                    p.steps_per_second, format_duration(p.eta_seconds).c_str());
      printer.update(text, p.evaluated);
    };
  }
  req.stop_requested = [] { return g_stop_requested.load(); };
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const Json summary = rnn::train(req);
  printer.finish();
  const auto status = summary.at("status").get<std::string>();
  if (status == "interrupted") {
    std::printf("stopped after %lld steps; continue with: rnnscope train --out %s --resume\n",
                static_cast<long long>(summary.at("steps").get<int64_t>()), args.out_dir.c_str());
    return;
  }
  std::printf("run written to %s\n", args.out_dir.c_str());
  std::printf("final accuracy %.4f after %lld steps (%s, %.1f s, %.1f steps/s)\n",
              summary.at("final_accuracy").get<double>(),
              static_cast<long long>(summary.at("steps").get<int64_t>()),
              summary.at("stop_reason").get<std::string>().c_str(), summary.at("wall_seconds").get<double>(),
              summary.at("train_steps_per_second").get<double>());
}

}  // namespace

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
  cmd->callback([args] { run_train(*args); });
}

}  // namespace rnnscope::cli
