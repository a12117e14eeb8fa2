// `rnnscope fit-ltr DATA.h5 --rank R --out DIR`: options and help here; the request runs in
// the LibTorch plugin (requests/fit_ltr.h).
#include "commands.h"
#include "validators.h"

#include "progress.h"
#include "stop_signal.h"
#include "torch_commands.h"

#include "rnnscope/requests/fit_ltr.h"
#include "rnnscope/requests/rank_list.h"

#include <cstdio>

namespace rnnscope::cli {
namespace {

struct FitLtrArgs {
  requests::FitLtrRequest request;
  std::string ranks = "1";
  bool quiet = false;
};

void run_fit_ltr(FitLtrArgs args) {
  auto& req = args.request;
  req.ranks = requests::parse_ranks(args.ranks, "--ranks");
  ProgressPrinter printer;
  if (!args.quiet) req.progress = stage_progress(printer, "iteration");
  req.stop_requested = stop_requested;
  install_stop_handlers();
  const auto result = run_in_torch_plugin<requests::FitLtrResult>("fit-ltr", req);
  printer.finish();
  if (!result.ranks.empty()) {
    std::printf("rank  held-out NMSE (mean over seeds)  PCA unexplained\n");
    const std::vector<double> mean = result.mean_heldout_nmse();
    for (size_t i = 0; i < result.ranks.size(); ++i) {
      std::printf("%4lld  %.4f                          %.4f\n", static_cast<long long>(result.ranks[i]), mean[i],
                  result.pca_unexplained[i]);
    }
    std::printf("chosen rank %lld\n", static_cast<long long>(result.rank));
  }
  std::printf("rank-%lld fit: variance explained %.4f after %lld iterations (%s)\n",
              static_cast<long long>(result.rank), result.variance_explained,
              static_cast<long long>(result.iterations), result.stop_reason.c_str());
  std::printf("written to %s\n", req.out.c_str());
}

}  // namespace

void add_fit_ltr_command(CLI::App& app) {
  auto args = std::make_shared<FitLtrArgs>();
  auto& req = args->request;
  auto* cmd = app.add_subcommand("fit-ltr", "Fit a low-tensor-rank RNN (ltrRNN) to recorded activity");
  cmd->add_option("DATA", req.data_path,
                  "HDF5 recordings: /activity [trials, time, neurons]; optional /inputs [trials, time, n_in], "
                  "/condition [trials], /times, /trial_id")
      ->required();
  cmd->add_option("--out,-o", req.out, "output directory (config.toml, summary.json, history.h5, fit.h5, "
                                       "rank_selection.h5)")
      ->required();
  cmd->add_option("--rank,--ranks,-r", args->ranks,
                  "tensor rank R of the recurrent weights; several (1..5 or 1,2,4) cross-validate and choose one "
                  "(default 1)");
  cmd->add_option("--units", req.units, "latent units N (default 200)");
  cmd->add_option("--dt-ms", req.dt_ms, "width of a time bin in ms (default 10)");
  cmd->add_option("--tau-ms", req.tau_ms, "time constant in ms (default 50)");
  cmd->add_option("--substeps", req.substeps, "Euler steps per time bin (default 1)");
  cmd->add_option("--lr", req.lr, "Adam learning rate (default 1e-3)");
  cmd->add_option("--max-iterations", req.max_iterations, "full-batch iterations per fit (default 3000)");
  cmd->add_option("--eval-every", req.eval_every, "iterations between checks of the stopping rule (default 25)");
  cmd->add_option("--patience", req.patience,
                  "stop after this many checks without a relative improvement of --tolerance (default 8; 0: never)");
  cmd->add_option("--tolerance", req.tolerance, "relative improvement that resets the patience (default 1e-3)");
  cmd->add_option("--trial-dropout", req.trial_dropout, "share of trials left out of each iteration's loss (default 0.2)");
  cmd->add_option("--state-l2", req.state_l2, "weight of the mean squared state in the loss (default 0.01)");
  cmd->add_option("--held-out-fraction", req.held_out_fraction,
                  "share of (trial, time, neuron) entries in cross-validation blocks (default 0.1)");
  cmd->add_option("--gp-length-trials", req.gp_length_trials,
                  "length scale in trials of the trial factors' smoothness prior (default 15)");
  cmd->add_option("--seeds", req.seeds, "fits per rank in the cross-validation (default 1)");
  cmd->add_option("--seed", req.seed, "seed of initialisation, trial dropout and blocks (default 0)")->check(seed_range());
  cmd->add_option("--threads", req.threads, "CPU threads (default: all cores)");
  cmd->add_flag("--force", req.force, "overwrite an existing output directory: removes the files it writes "
                                      "(docs/outputs.md) and keeps any others");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->footer(
      "The model (docs/ltr.md): tau dx/dt = -x + W_k tanh(x) + W_in u + b, W_k = sum_r c_kr a_r b_r^T on trial k,\n"
      "recorded activity ~ D tanh(x) with D orthonormal; fitted by Adam on masked MSE of z-scored data.\n"
      "Examples:\n  rnnscope synth-ltr --rank 3 --out data.h5\n"
      "  rnnscope fit-ltr data.h5 --ranks 1..5 --units 50 --out fits/data\n"
      "  python -c \"import h5py; f = h5py.File('fits/data/fit.h5'); print(f['c'][:].shape)\"");
  cmd->callback([args] { run_fit_ltr(*args); });
}

}  // namespace rnnscope::cli
