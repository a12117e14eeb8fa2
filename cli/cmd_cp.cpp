// `rnnscope cp TENSOR`: CP decompositions of a 3-way tensor for a range of ranks (library:
// rnnscope/decomp, request: rnnscope/requests/cp.h).
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "validators.h"
#include "rnnscope/core/error.h"
#include "rnnscope/requests/cp.h"
#include "rnnscope/requests/rank_list.h"

namespace rnnscope::cli {
namespace {

struct CpArgs {
  requests::CpRequest request;
  std::string ranks;
  int rank = 0;
};

void print_table(const requests::CpResult& result) {
  std::printf("%6s  %14s  %18s  %10s  %9s\n", "rank", "relative_error", "restart_similarity", "iterations", "seconds");
  for (const auto& r : result.ranks)
    std::printf("%6d  %14.6g  %18.4f  %10d  %9.3f\n", r.rank, r.fit.best.relative_error, r.fit.restart_similarity,
                r.fit.best.iterations, r.seconds);
}

void run_cp(CpArgs& args) {
  require(args.ranks.empty() || args.rank == 0, "give --ranks or --rank, not both");
  if (!args.ranks.empty()) {
    const auto ranks = requests::parse_ranks(args.ranks, "--ranks");
    args.request.ranks.assign(ranks.begin(), ranks.end());
  }
  if (args.rank != 0) args.request.ranks = {args.rank};
  print_table(requests::run_cp(args.request));
}

}  // namespace

void add_cp_command(CLI::App& app) {
  auto args = std::make_shared<CpArgs>();
  auto& options = args->request.options;
  auto* cmd = app.add_subcommand("cp", "CP (CANDECOMP/PARAFAC) decomposition of a 3-way tensor, for one or more ranks");
  cmd->add_option("TENSOR", args->request.input,
                  "FILE.h5[:/DATASET], a 3-D dataset [I, J, K] in C order (float32 or float64); without "
                  "a dataset, /tensor or else the file's only 3-D dataset")
      ->required();
  cmd->add_option("--ranks", args->ranks, "the ranks to fit: A..B (every rank from A to B) or A,B,C (default: 1)");
  cmd->add_option("--rank", args->rank, "a single rank (the same as --ranks R)")->check(at_least_one());
  cmd->add_option("--restarts", options.restarts, "random initialisations per rank; the best fit is kept")
      ->capture_default_str();
  cmd->add_flag("--nonnegative", options.nonnegative, "non-negative factors (HALS; the tensor must be >= 0)");
  cmd->add_option("--seed", options.seed, "seed of the random initialisations")->capture_default_str()->check(seed_range());
  cmd->add_option("--max-iterations", options.max_iterations, "ALS sweeps per fit")->capture_default_str();
  cmd->add_option("--tolerance", options.tolerance, "stop when the relative error changes less than this")
      ->capture_default_str();
  cmd->add_option("--threads", options.threads, "threads the restarts run on (0 = all cores; results do not depend on it)")
      ->capture_default_str();
  cmd->add_option("--out", args->request.out,
                  "write CP.h5: /ranks, /relative_error, /restart_similarity, /iterations, /converged [ranks]; "
                  "per rank /rank_R/a [I, R], b [J, R], c [K, R] (unit-norm columns), weights [R] (descending), "
                  "restart_errors; attributes: the options, source, shape, version, seconds; atomic");
  cmd->add_flag("--force", args->request.force, "overwrite an existing --out file");
  cmd->footer(
      "Alternating least squares with extrapolation; restarts run on a randomised Tucker compression of\n"
      "the tensor when that is much smaller, the best then refined on the tensor (docs/ltr.md).\n"
      "Prints one line per rank: relative error ‖X − X̂‖/‖X‖, and the mean factor congruence of the\n"
      "other restarts to the best (1 = every restart found the same components).\n"
      "Examples:\n"
      "  rnnscope cp weights.h5:/updates --ranks 1..6 --out cp.h5\n"
      "  rnnscope cp data.h5 --rank 3 --nonnegative --restarts 8");
  cmd->callback([args] { run_cp(*args); });
}

}  // namespace rnnscope::cli
