// Evaluation of trained networks on fresh trials, and the eval file layout.
#include "rnnscope/requests/eval.h"

#include "training/run_internal.h"
#include "training/loss_internal.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/layout.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/training/run_config.h"
#include "rnnscope/tasks/registry.h"

#include <filesystem>
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
  parts.model = make_model(resolved.at("model"), parts.task->info(),
                           parts.task->params().at("dt").get<double>(), parts.seed);
  return parts;
}

RunParts load_run_dir(const std::string& dir) {
  require(std::filesystem::is_directory(dir), "run directory not found: " + dir);
  const auto config_path = dir + "/config.toml";
  const auto model_path = dir + "/model.h5";
  require(std::filesystem::exists(config_path), dir + " is not a run directory (no config.toml)");
  if (!std::filesystem::exists(model_path)) {
    throw Error(dir + " has no model.h5 (training not finished? continue it with --resume)",
                Error::Kind::file_not_found);
  }
  auto parts = build_run(resolve_run_config(read_toml_file(config_path), config_path));
  parts.model->read_weights(model_path);
  return parts;
}

BatchScore score_batch(RecurrentModel& model, const tasks::Task& task, const tasks::Batch& batch,
                       const torch::Tensor& noise) {
  torch::NoGradGuard no_grad;
  const auto tensors = to_tensors(batch);
  BatchScore score;
  score.output = model.run(tensors.inputs, noise);
  score.loss = task_loss(task.info().loss, score.output.outputs, tensors.targets, tensors.mask).item<double>();
  const auto outputs = score.output.outputs.contiguous();
  score.correct = task.score(batch, outputs.data_ptr<float>());
  score.accuracy = tasks::accuracy(score.correct);
  return score;
}

int64_t use_threads(int64_t requested) {
  const int64_t n = requested > 0 ? requested : std::max<int64_t>(1, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(n));
  return n;
}

EvalResult evaluate(const EvalRequest& request) {
  require(request.trials > 0, "the number of trials (--trials) must be > 0, got " + std::to_string(request.trials));
  auto run = load_run_dir(request.run_dir);
  use_threads(run.config.at("train").at("threads").get<int64_t>());
  const uint64_t seed = request.seed ? *request.seed : Rng::derive_seed(run.seed, "eval-cli");
  EvalResult result;
  result.batch = run.task->batch(request.trials, Rng::derive_seed(seed, "eval-batch"));
  result.units = run.model->units();
  result.period_names = run.task->info().periods;
  result.loss = run.task->info().loss;
  const torch::Tensor noise =
      request.noise ? standard_noise(result.batch.steps, result.batch.trials, result.units, seed,
                                     "eval-noise", 0)
                    : torch::Tensor();
  auto score = score_batch(*run.model, *run.task, result.batch, noise);
  auto copy = [](const torch::Tensor& t) {
    const auto c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  };
  result.outputs = copy(score.output.outputs);
  result.states = copy(score.output.states);
  result.correct = std::move(score.correct);
  result.accuracy = score.accuracy;
  return result;
}

void write_eval(const EvalResult& r, const std::string& path) {
  const auto& b = r.batch;
  const int64_t T = b.steps, B = b.trials;
  h5::Writer out(path);
  out.write("/inputs", trial_major(b.inputs, T, B, b.n_inputs).data(), {B, T, b.n_inputs});
  out.write("/targets", trial_major(b.targets, T, B, b.n_outputs).data(), {B, T, b.n_outputs});
  out.write("/mask", trial_major(b.mask, T, B, 1).data(), {B, T});
  out.write("/outputs", trial_major(r.outputs, T, B, b.n_outputs).data(), {B, T, b.n_outputs});
  out.write("/states", trial_major(r.states, T, B, r.units).data(), {B, T, r.units});
  out.write("/correct", r.correct.data(), {B});
  out.write("/trial_steps", b.trial_steps);
  for (const auto& [name, values] : b.conditions) out.write("/conditions/" + name, values);
  // period_bounds is [P, B, 2]; each period gets its own [B, 2] dataset.
  for (size_t p = 0; p < r.period_names.size(); ++p) {
    out.write("/periods/" + r.period_names[p], b.period_bounds.data() + p * B * 2, {B, 2});
  }
  out.attribute("/", "accuracy", r.accuracy);
  out.attribute("/", "dt", b.dt_ms);
  out.attribute("/", "loss", std::string(tasks::loss_name(r.loss)));
  out.commit();
}

}  // namespace rnnscope::rnn
