// `rnnscope analyze-learning RUN`: the rank of learning from a run's weight snapshots
// (library: rnnscope/decomp/learning_rank.h, requests/learning.h).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "validators.h"
#include "rnnscope/requests/learning.h"
#include "rnnscope/requests/rank_list.h"

namespace rnnscope::cli {
namespace {

struct LearningArgs {
  requests::LearningRequest request;
  std::string ranks = "1..5";
  std::string out;
  int64_t replica = -1;  // -1: unset
};

// One network's table; `network` names it ("" for a run of one, "replica k" otherwise).
void print_table(const decomp::LearningRank& r, const std::string& network, const std::string& weight,
                 double rank_tolerance) {
  const size_t changes = r.update_matrix_rank.size();
  if (!network.empty()) std::printf("%s: ", network.c_str());
  std::printf("%s over %zu snapshots (steps %lld..%lld), %zu updates\n", weight.c_str(), r.steps.size(),
              static_cast<long long>(r.steps.front()), static_cast<long long>(r.steps.back()), changes);
  std::printf("%6s  %22s  %22s\n", "rank", "CP rel. error updates", "CP rel. error W_s-W_0");
  for (size_t i = 0; i < r.ranks.size(); ++i) {
    std::printf("%6d  %22.3e  %22.3e\n", r.ranks[i], r.cp_relative_error[i], r.cumulative_cp_relative_error[i]);
  }
  const auto [lo, hi] = std::minmax_element(r.update_matrix_rank.begin(), r.update_matrix_rank.end());
  double mean_effective = 0;
  for (double e : r.update_effective_rank) mean_effective += e / double(changes);
  std::printf("matrix rank of each update: %lld..%lld (tolerance %g x largest singular value); "
              "mean effective rank (participation ratio) %.2f; rank of W_end - W_0: %lld\n",
              static_cast<long long>(*lo), static_cast<long long>(*hi), rank_tolerance, mean_effective,
              static_cast<long long>(r.cumulative_matrix_rank.back()));
}

void run(LearningArgs& args) {
  const auto ranks = requests::parse_ranks(args.ranks, "--ranks");
  args.request.ranks.assign(ranks.begin(), ranks.end());
  if (!args.out.empty()) args.request.out = args.out;
  if (args.replica >= 0) args.request.replica = args.replica;
  const auto result = requests::run_learning(args.request);
  for (size_t i = 0; i < result.ranks.size(); ++i) {
    const int64_t replica = args.request.replica ? *args.request.replica : int64_t(i);
    const bool replicated = result.ranks.size() > 1 || args.request.replica;
    print_table(result.ranks[i], replicated ? "replica " + std::to_string(replica) : "", args.request.weight,
                args.request.rank_tolerance);
  }
  if (!result.out.empty()) std::printf("wrote %s\n", result.out.c_str());
}

}  // namespace

void add_analyze_learning_command(CLI::App& app) {
  auto args = std::make_shared<LearningArgs>();
  auto* cmd = app.add_subcommand(
      "analyze-learning",
      "Rank of learning: CP error vs rank of the stacked weight updates and each update's matrix rank");
  cmd->add_option("RUN", args->request.run_dir, "a run directory trained with train.save_weights_every > 0")
      ->required();
  cmd->add_option("--ranks", args->ranks, "CP ranks: A..B, a,b,c or one rank R")->capture_default_str();
  cmd->add_option("--weight", args->request.weight,
                  "the weight matrix (W_rec, W_in, W_out; W_hh, W_ih, W_out for gru/lstm)")
      ->capture_default_str();
  cmd->add_option("--tolerance", args->request.rank_tolerance,
                  "numerical matrix rank: singular values above this times the largest")
      ->capture_default_str();
  cmd->add_option("--restarts", args->request.restarts, "CP-ALS random initialisations per rank")
      ->capture_default_str()
      ->check(at_least_one());
  cmd->add_option("--max-iterations", args->request.max_iterations, "ALS sweeps per restart")
      ->capture_default_str()
      ->check(at_least_one());
  cmd->add_option("--seed", args->request.seed, "seed of the CP initialisations")->capture_default_str()->check(seed_range());
  cmd->add_option("--threads", args->request.threads, "threads for the CP restarts (0 = all cores)")
      ->capture_default_str()
      ->check(at_least_zero());
  cmd->add_option("--replica", args->replica,
                  "a run with train.replicas = K: analyse replica k alone (0 <= k < K; default: all, with a "
                  "leading replica axis)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args->out, "the HDF5 file to write (default RUN/learning.h5); atomic");
  cmd->add_flag("--force", args->request.force, "overwrite an existing output file");
  cmd->footer(
      "Updates are dW_s = W_s - W_{s-1} between consecutive snapshots, stacked as [N_out, N_in, S-1];\n"
      "the cumulative changes W_s - W_0 likewise. Layout of the output: docs/outputs.md; the theory: docs/ltr.md.\n"
      "Example:\n"
      "  rnnscope analyze-learning runs/lin --ranks 1..6 --weight W_rec");
  cmd->callback([args] { run(*args); });
}

}  // namespace rnnscope::cli
