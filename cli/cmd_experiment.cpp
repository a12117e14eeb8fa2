// `rnnscope experiment NAME --out DIR [--quick]`: options and help here; the experiment runs
// in the LibTorch plugin (requests/experiment.h), which also rejects unknown names.
#include "commands.h"
#include "validators.h"

#include "progress.h"
#include "stop_signal.h"
#include "torch_commands.h"

#include "rnnscope/requests/experiment.h"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace rnnscope::cli {
namespace {

struct ExperimentArgs {
  requests::ExperimentRequest request;
  bool quick = false;
  bool ci = false;
};

void run_experiment(ExperimentArgs args) {
  auto& req = args.request;
  req.size = args.ci      ? requests::ExperimentSize::ci
             : args.quick ? requests::ExperimentSize::quick
                          : requests::ExperimentSize::full;
  const auto start = std::chrono::steady_clock::now();
  req.progress = [&](const std::string& step) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "[%s] %s\n", format_duration(elapsed).c_str(), step.c_str());
  };
  req.stop_requested = stop_requested;
  install_stop_handlers();
  const auto result = run_in_torch_plugin<requests::ExperimentResult>("experiment", req);
  std::cout << result.markdown << "\nwritten to " << result.out << " (results.h5, results.md)\n";
}

}  // namespace

void add_experiment_command(CLI::App& app) {
  auto args = std::make_shared<ExperimentArgs>();
  auto& req = args->request;
  auto* cmd = app.add_subcommand("experiment", "Run a one-command reproduction (known: ltr, long-deps, snn-topology, nback)");
  cmd->add_option("NAME", req.name, "the experiment: ltr (low tensor rank learning, docs/ltr.md), long-deps (skip connections "
                  "through time against plain CTRNNs, docs/long_deps.md), snn-topology (spiking networks' "
                  "representations by learning rule, RTD, docs/snn.md) or nback (vanilla, GRU and LSTM networks "
                  "on the nine N-back tasks and their latent geometry, docs/nback.md)")->required();
  cmd->add_option("--out,-o", req.out, "output directory (results.h5, results.md and every run it made)")
      ->required();
  auto* quick =
      cmd->add_flag("--quick", args->quick, "a smaller version: minutes on 2 cores instead of tens of minutes or hours");
  cmd->add_flag("--ci", args->ci, "nback only: its end-to-end test's size (seconds; the numbers mean nothing)")
      ->excludes(quick);
  cmd->add_option("--cnn", req.cnn, "nback only: a CNN written by `rnnscope nback pretrain` to use instead of "
                                    "pretraining one into DIR/cnn.h5");
  cmd->add_option("--seed", req.seed, "seed of every step (default 0)")->check(seed_range());
  cmd->add_option("--threads", req.threads, "CPU threads of the fits and trainings (default 0: all cores); long-deps runs "
                                      "that many trainings at once (its CTRNN runs train every network as a replica), "
                                      "one thread each");
  cmd->add_flag("--force", req.force, "overwrite an existing output directory: removes the files it writes "
                                      "(docs/outputs.md) and keeps any others");
  cmd->footer("Examples:\n  rnnscope experiment ltr --quick --out experiments/ltr-quick\n"
              "  rnnscope experiment long-deps --quick --out experiments/long-deps-quick\n"
              "  rnnscope experiment nback --quick --cnn cnn.h5 --out experiments/nback-quick");
  cmd->callback([args] { run_experiment(*args); });
}

}  // namespace rnnscope::cli
