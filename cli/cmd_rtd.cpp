// `rnnscope rtd P Q`: Representation Topology Divergence of two paired point clouds.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "rnnscope/core/error.h"
#include "rnnscope/topo/inputs.h"
#include "rnnscope/topo/outputs.h"
#include "rnnscope/topo/rtd.h"

namespace rnnscope::cli {
namespace {

struct RtdArgs {
  std::string p;
  std::string q;
  int64_t trials = 10;
  int64_t batch = 500;
  uint64_t seed = 0;
  bool no_symmetric = false;
  int threads = 1;
  std::string out;
  bool force = false;
};

void run_rtd(const RtdArgs& args) {
  const h5::Array p = topo::read_point_cloud(args.p);
  const h5::Array q = topo::read_point_cloud(args.q);
  const topo::RtdOptions options = topo::RtdOptions()
                                       .set_trials(args.trials)
                                       .set_batch(args.batch)
                                       .set_seed(args.seed)
                                       .set_symmetric(!args.no_symmetric)
                                       .set_threads(args.threads);
  const topo::RtdResult result =
      topo::rtd(topo::PointCloudView{p.data.data(), p.shape[0], p.shape[1]},
                topo::PointCloudView{q.data.data(), q.shape[0], q.shape[1]}, options);
  if (!args.out.empty()) topo::write_rtd(args.out, result, options, args.p, args.q, args.force);
  std::printf("%.10g\n", result.score);
}

}  // namespace

void add_rtd_command(CLI::App& app) {
  auto args = std::make_shared<RtdArgs>();
  auto* cmd = app.add_subcommand(
      "rtd", "Representation Topology Divergence between two paired representations (prints the score)");
  cmd->add_option("P", args->p, "FILE.h5:/DATASET, point cloud [n, d1]")->required();
  cmd->add_option("Q", args->q, "FILE.h5:/DATASET, point cloud [n, d2]: the same n samples, same order")
      ->required();
  cmd->add_option("--trials", args->trials, "random sub-samples averaged")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->batch,
                  "rows per sub-sample, without replacement, the same rows of P and Q (min(batch, n); "
                  "batch >= n uses all rows, no randomness)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of the sub-sampling")->capture_default_str();
  cmd->add_flag("--no-symmetric", args->no_symmetric,
                "RTD(P, Q) only, instead of the average of RTD(P, Q) and RTD(Q, P)");
  cmd->add_option("--threads", args->threads,
                  "persistence computations run concurrently (0 = all cores); the score does not depend on it")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args->out,
                  "write F.h5: /score, /trial_scores, /rows, /trial_<k>/forward_h1 (and backward_h1) "
                  "H1 barcodes; atomic");
  cmd->add_flag("--force", args->force, "overwrite an existing --out file");
  cmd->footer(
      "RTD as Barannikov et al. (ICML 2022) and their code: each distance matrix divided by its\n"
      "0.9-quantile; the 2n x 2n matrix [[0, r1^T], [r1, min(r1, r2)]]; sum of its H1 bar lengths.\n"
      "Example:\n"
      "  rnnscope rtd run/acts.h5:/layer1 run/acts.h5:/layer2 --trials 10 --batch 500 --seed 1");
  cmd->callback([args] { run_rtd(*args); });
}

}  // namespace rnnscope::cli
