// `rnnscope eval DIR --trials N --out FILE.h5`: options and help here; the request runs in the
// LibTorch plugin (requests/eval.h).
#include "commands.h"
#include "validators.h"

#include "torch_commands.h"

#include "rnnscope/requests/eval.h"

#include <cstdio>

namespace rnnscope::cli {
namespace {

struct EvalArgs {
  requests::EvalRequest request;
  bool no_noise = false;
  int64_t seed = -1;
  int64_t replica = -1;
};

void run_eval(EvalArgs args) {
  auto& req = args.request;
  req.noise = !args.no_noise;
  if (args.seed >= 0) req.seed = static_cast<uint64_t>(args.seed);
  if (args.replica >= 0) req.replica = args.replica;
  const auto result = run_in_torch_plugin<requests::EvalResult>("eval", req);
  std::printf("accuracy %.4f on %lld trials%s\n", result.accuracy, static_cast<long long>(req.trials),
              req.out.empty() ? "" : (" (written to " + req.out + ")").c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto& req = args->request;
  auto* cmd = app.add_subcommand("eval", "Run a trained network on fresh trials and save its activity");
  cmd->add_option("DIR", req.run_dir, "run directory written by `rnnscope train`")->required();
  cmd->add_option("--trials,-n", req.trials, "number of trials (default 256)");
  cmd->add_option("--out,-o", req.out, "HDF5 file for inputs, targets, mask, outputs, states, "
                                       "(those [trials, T, ...]), correct and conditions ([trials])");
  cmd->add_flag("--no-noise", args->no_noise, "switch recurrent noise off");
  cmd->add_option("--seed", args->seed, "seed for the trials and noise (default: derived from the run's seed)")->check(seed_range());
  cmd->add_option("--replica", args->replica,
                  "a run with train.replicas = K: evaluate replica k alone (0 <= k < K; default: all, with a "
                  "leading replica axis)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--force", req.force, "overwrite --out if it exists");
  add_memory_limit_option(cmd, req.memory_limit_gb, "trials");
  cmd->footer("Example:\n  rnnscope eval runs/demo --trials 500 --no-noise --out runs/demo/eval.h5");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace rnnscope::cli
