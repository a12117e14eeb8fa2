// Building a run's task and model from its config, and the threads policy.
#include "training/run_parts.h"

#include "rnnscope/tasks/registry.h"

#include <thread>

namespace rnnscope::rnn {

RunParts build_run(const Json& resolved) {
  RunParts parts;
  parts.config = resolved;
  parts.seed = resolved.at("seed").get<uint64_t>();
  Json task_params = resolved.at("task");
  const auto name = task_params.at("name").get<std::string>();
  task_params.erase("name");
  parts.task = tasks::make(name, task_params, "[task]");
  parts.model = make_model(resolved.at("model"), parts.task->info(), parts.task->params().at("dt").get<double>(),
                           parts.seed);
  return parts;
}

int64_t use_threads(int64_t requested) {
  const int64_t n = requested > 0 ? requested : std::max<int64_t>(1, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(n));
  return n;
}

}  // namespace rnnscope::rnn
