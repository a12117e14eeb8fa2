// What `rnnscope eval` runs, in the LibTorch plugin (options and help: cli/cmd_eval.cpp).
#include "runs.h"

#include "rnnscope/core/run_dir.h"
#include "rnnscope/requests/eval.h"

#include <cstdio>

namespace rnnscope::cli {

void run_eval(const EvalArgs& args) {
  if (!args.out.empty()) check_can_write(args.out, args.force);
  rnn::EvalRequest req;
  req.run_dir = args.run_dir;
  req.trials = args.trials;
  req.noise = !args.no_noise;
  if (args.seed >= 0) req.seed = static_cast<uint64_t>(args.seed);
  const auto result = rnn::evaluate(req);
  if (!args.out.empty()) rnn::write_eval(result, args.out);
  std::printf("accuracy %.4f on %lld trials%s\n", result.accuracy, static_cast<long long>(args.trials),
              args.out.empty() ? "" : (" (written to " + args.out + ")").c_str());
}

}  // namespace rnnscope::cli
