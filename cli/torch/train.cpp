// What `rnnscope train` runs, in the LibTorch plugin (options and help: cli/cmd_train.cpp).
#include "runs.h"

#include "progress.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/requests/train.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace rnnscope::cli {
namespace {

// Set by SIGINT/SIGTERM; the trainer checkpoints and stops at the end of the current step.
std::atomic<bool> g_stop_requested{false};

extern "C" void request_stop(int) { g_stop_requested = true; }

}  // namespace

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

}  // namespace rnnscope::cli
