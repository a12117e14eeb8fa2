// `rnnscope eval DIR --trials N --out FILE.h5`.
#include "commands.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/run_dir.h"
#include "rnnscope/rnn/evaluate.h"

#include <cstdio>

namespace rnnscope::cli {
namespace {

struct EvalArgs {
  std::string run_dir;
  std::string out;
  int64_t trials = 256;
  bool no_noise = false;
  int64_t seed = -1;
  bool force = false;
};

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Run a trained network on fresh trials and save its activity");
  cmd->add_option("DIR", args->run_dir, "run directory written by `rnnscope train`")->required();
  cmd->add_option("--trials,-n", args->trials, "number of trials (default 256)");
  cmd->add_option("--out,-o", args->out, "HDF5 file for inputs, targets, mask, outputs, states, "
                                         "correct, conditions (all [trials, T, ...])");
  cmd->add_flag("--no-noise", args->no_noise, "switch recurrent noise off");
  cmd->add_option("--seed", args->seed, "seed for the trials and noise (default: derived from the run's seed)");
  cmd->add_flag("--force", args->force, "overwrite --out if it exists");
  cmd->footer("Example:\n  rnnscope eval runs/demo --trials 500 --no-noise --out runs/demo/eval.h5");
  cmd->callback([args] {
    require(args->trials > 0, "--trials must be > 0, got " + std::to_string(args->trials));
    if (!args->out.empty()) check_can_write(args->out, args->force);
    rnn::EvalRequest req;
    req.run_dir = args->run_dir;
    req.trials = args->trials;
    req.noise = !args->no_noise;
    if (args->seed >= 0) req.seed = static_cast<uint64_t>(args->seed);
    const auto result = rnn::evaluate(req);
    if (!args->out.empty()) rnn::write_eval(result, args->out);
    std::printf("accuracy %.4f on %lld trials%s\n", result.accuracy, static_cast<long long>(args->trials),
                args->out.empty() ? "" : (" (written to " + args->out + ")").c_str());
  });
}

}  // namespace rnnscope::cli
