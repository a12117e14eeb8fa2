// `rnnscope rtd P Q`: Representation Topology Divergence of two paired point clouds.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "validators.h"
#include "rnnscope/requests/rtd.h"

namespace rnnscope::cli {
namespace {

struct RtdArgs {
  requests::RtdRequest request;
  bool no_symmetric = false;
};

void run_rtd(RtdArgs args) {
  args.request.options.symmetric = !args.no_symmetric;
  std::printf("%.10g\n", requests::run_rtd(args.request).rtd.score);
}

}  // namespace

void add_rtd_command(CLI::App& app) {
  auto args = std::make_shared<RtdArgs>();
  auto* cmd = app.add_subcommand(
      "rtd", "Representation Topology Divergence between two paired representations (prints the score)");
  cmd->add_option("P", args->request.p, "FILE.h5:/DATASET, point cloud [n, d1]")->required();
  cmd->add_option("Q", args->request.q, "FILE.h5:/DATASET, point cloud [n, d2]: the same n samples, same order")
      ->required();
  cmd->add_option("--trials", args->request.options.trials, "random sub-samples averaged")
      ->capture_default_str()
      ->check(at_least_one());
  cmd->add_option("--batch", args->request.options.batch,
                  "rows per sub-sample, without replacement, the same rows of P and Q (min(batch, n); "
                  "batch >= n uses all rows, no randomness)")
      ->capture_default_str();
  cmd->add_option("--seed", args->request.options.seed, "seed of the sub-sampling")->capture_default_str()->check(seed_range());
  cmd->add_flag("--no-symmetric", args->no_symmetric,
                "RTD(P, Q) only, instead of the average of RTD(P, Q) and RTD(Q, P)");
  cmd->add_option("--threads", args->request.options.threads,
                  "persistence computations run concurrently (0 = all cores); the score does not depend on it")
      ->capture_default_str()
      ->check(at_least_zero());
  add_memory_limit_option(cmd, args->request.memory_limit_gb, "a computation");
  cmd->add_option("--out", args->request.out,
                  "write F.h5: /score, /trial_scores, /rows, /trial_<k>/forward_h1 (and backward_h1) "
                  "H1 barcodes; atomic");
  cmd->add_flag("--force", args->request.force, "overwrite an existing --out file");
  cmd->footer(
      "RTD as Barannikov et al. (ICML 2022) and their code: each distance matrix divided by its\n"
      "0.9-quantile; the 2n x 2n matrix [[0, r1^T], [r1, min(r1, r2)]]; sum of its H1 bar lengths.\n"
      "Example:\n"
      "  rnnscope rtd run/acts.h5:/layer1 run/acts.h5:/layer2 --trials 10 --batch 500 --seed 1");
  cmd->callback([args] { run_rtd(*args); });
}

}  // namespace rnnscope::cli
