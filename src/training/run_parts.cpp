// Building a run's task and model from its config, and the threads policy.
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/nback/run_params.h"
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
  require(name != nback::kRunTaskName,
          "an N-back run ([task] name = \"nback\") is not evaluated here: its summary.json holds the held-out "
          "accuracy per task and `rnnscope analyze` analyses it; this takes runs of the tasks `rnnscope tasks` lists");
  parts.task = tasks::make(name, task_params, "[task]");
  parts.model = make_model(resolved.at("model"), parts.task->info(), parts.task->params().at("dt").get<double>(),
                           parts.seed, resolved.at("train").at("replicas").get<int64_t>());
  return parts;
}

void require_batch_memory(const tasks::Task& task, int64_t trials, int64_t units, int64_t replicas, bool training,
                          const std::string& what, const MemoryBudget& memory) {
  // Trial lengths vary (random timing): the longest of a few samples, with a margin of half.
  const int64_t sampled_steps = task.batch(8, 0).steps;
  const double steps = 1.5 * static_cast<double>(sampled_steps);
  const double channels = static_cast<double>(task.info().n_inputs() + task.info().n_outputs() + 1);
  // float32: the task's vectors and their tensors (2x), noise [T, B, units]; per replica the
  // model's states and outputs, and in training what backpropagation keeps per step (gates,
  // pre-activations, gradients: ~12 values per unit).
  const double per_trial_step =
      4 * (2 * channels + double(units) + double(replicas) * (double(units) * (training ? 12 : 2) + channels));
  require_memory(per_trial_step * steps * static_cast<double>(trials), what,
                 std::to_string(trials) + " trials of up to ~" + std::to_string(int64_t(steps)) + " steps, " +
                     std::to_string(units) + " units" +
                     (replicas > 1 ? " x " + std::to_string(replicas) + " replicas" : std::string()),
                 memory);
}

int64_t use_threads(int64_t requested) {
  const int64_t n = requested > 0 ? requested : std::max<int64_t>(1, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(n));
  return n;
}

}  // namespace rnnscope::rnn
