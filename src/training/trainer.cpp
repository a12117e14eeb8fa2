// The training loop: Adam on a masked task loss with rate/weight penalties and gradient
// clipping, periodic evaluation on a fixed set of fresh trials, stop at criterion or
// max_steps, checkpoints for resumption, and the run-directory outputs.
#include "rnnscope/requests/train.h"

#include "training/checkpoint_internal.h"
#include "training/fused_adam_internal.h"
#include "training/loss_internal.h"
#include "training/run_internal.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/training/run_config.h"

#include <torch/version.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace rnnscope::rnn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

Json resolve_request_config(const TrainRequest& req, const std::string& config_path) {
  if (req.existing != ExistingRun::resume) {
    return resolve_run_config(req.config, req.overrides, req.config_source);
  }
  require(std::filesystem::exists(config_path),
          "cannot resume: " + config_path + " does not exist (no run was started in " + req.out_dir + ")");
  Json stored = resolve_run_config(read_toml_file(config_path), config_path);
  if (!req.config.empty() || !req.overrides.empty()) {
    Json given = resolve_run_config(req.config.empty() ? stored : req.config, req.overrides,
                                    req.config_source);
    require(given == stored, "cannot resume with a different config: " + req.config_source +
                                 " does not match " + config_path + " (a resumed run keeps its config)");
  }
  return stored;
}

void write_history(const std::string& path, const TrainState& s) {
  std::vector<int64_t> steps(s.history_step.begin(), s.history_step.end());
  h5::Writer out(path);
  out.write("/step", steps);
  out.write("/loss", s.history_loss);
  out.write("/accuracy", s.history_accuracy);
  out.write("/train_loss", s.history_train_loss);
  out.write("/wall_seconds", s.history_wall_seconds);
  out.commit();
}

void write_model(const std::string& path, const RecurrentModel& model, const Json& config) {
  h5::Writer out(path);
  model.write_weights(out);
  out.attribute("/", "dt", config.at("task").at("dt").get<double>());
  out.attribute("/", "tau", config.at("model").at("tau").get<double>());
  out.attribute("/", "task", config.at("task").at("name").get<std::string>());
  out.commit();
}

}  // namespace

Json train(const TrainRequest& req) {
  require(!req.out_dir.empty(), "an output directory is required (--out DIR)");
  const std::string dir = req.out_dir;
  const std::string config_path = dir + "/config.toml";
  const std::string checkpoint_path = dir + "/checkpoint.pt";
  const Json config = resolve_request_config(req, config_path);
  prepare_run_dir(dir, req.existing);
  if (req.existing != ExistingRun::resume) write_text_atomic(config_path, to_toml(config));

  const Json& tc = config.at("train");
  const int64_t batch_size = tc.at("batch_size").get<int64_t>();
  const int64_t max_steps = tc.at("max_steps").get<int64_t>();
  const int64_t eval_every = tc.at("eval_every").get<int64_t>();
  const int64_t eval_trials = tc.at("eval_trials").get<int64_t>();
  const int64_t checkpoint_every = tc.at("checkpoint_every").get<int64_t>();
  const double grad_clip = tc.at("grad_clip").get<double>();
  const double rate_l2 = tc.at("rate_l2").get<double>();
  const double weight_l2 = tc.at("weight_l2").get<double>();
  const int64_t threads = use_threads(tc.at("threads").get<int64_t>());

  auto run = build_run(config);
  auto& model = *run.model;
  const auto& task = *run.task;
  const double target_accuracy = tc.at("target_accuracy").get<double>() < 0
                                     ? task.info().default_target_accuracy
                                     : tc.at("target_accuracy").get<double>();
  FusedAdam optimizer(model.parameters(), torch::optim::AdamOptions(tc.at("lr").get<double>()));

  TrainState state;
  if (req.existing == ExistingRun::resume) {
    state = load_checkpoint(checkpoint_path, model, optimizer);
    require(!state.finished, "the run in " + dir + " has already finished; nothing to resume");
  }

  // One fixed evaluation set, so accuracies are comparable across steps.
  const auto eval_batch = task.batch(eval_trials, Rng::derive_seed(run.seed, "eval-batch"));
  const auto eval_noise = standard_noise(eval_batch.steps, eval_batch.trials, model.units(),
                                         run.seed, "eval-noise", 0);
  const auto evaluate_now = [&]() {
    const auto start = Clock::now();
    model.eval();
    const auto score = score_batch(model, task, eval_batch, eval_noise);
    model.train();
    state.eval_seconds += seconds_since(start);
    state.last_accuracy = score.accuracy;
    state.history_step.push_back(double(state.step));
    state.history_loss.push_back(score.loss);
    state.history_accuracy.push_back(score.accuracy);
    state.history_train_loss.push_back(
        state.steps_since_eval ? state.loss_sum_since_eval / double(state.steps_since_eval) : score.loss);
    state.history_wall_seconds.push_back(state.train_seconds + state.eval_seconds);
    state.loss_sum_since_eval = 0;
    state.steps_since_eval = 0;
    return score.accuracy >= target_accuracy;
  };

  const auto session_start = Clock::now();
  const int64_t session_first_step = state.step;
  double session_train_seconds = 0;
  std::string stop_reason = "max_steps";
  bool reached = false;
  double last_loss = 0;
  while (state.step < max_steps) {
    const auto step_start = Clock::now();
    const auto batch = task.batch(batch_size, Rng::derive_seed(run.seed, "train-batch", uint64_t(state.step)));
    const auto tensors = to_tensors(batch);
    const auto noise = standard_noise(batch.steps, batch.trials, model.units(), run.seed, "train-noise",
                                      uint64_t(state.step));
    const auto out = model.run(tensors.inputs, noise);
    torch::Tensor loss = task_loss(task.info().loss, out.outputs, tensors.targets, tensors.mask);
    if (rate_l2 > 0) loss = loss + rate_l2 * out.rates.pow(2).mean();
    if (weight_l2 > 0) loss = loss + weight_l2 * model.weight_penalty();
    optimizer.zero_grad();
    loss.backward();
    if (grad_clip > 0) torch::nn::utils::clip_grad_norm_(model.parameters(), grad_clip);
    optimizer.step();
    last_loss = loss.item<double>();
    require(std::isfinite(last_loss), "training diverged at step " + std::to_string(state.step + 1) +
                                          " (loss is not finite); lower train.lr or model.rec_gain");
    ++state.step;
    state.loss_sum_since_eval += last_loss;
    ++state.steps_since_eval;
    const double step_seconds = seconds_since(step_start);
    state.train_seconds += step_seconds;
    session_train_seconds += step_seconds;

    const bool eval_due = (eval_every > 0 && state.step % eval_every == 0) || state.step == max_steps;
    if (eval_due && evaluate_now()) {
      reached = true;
      stop_reason = "target_accuracy";
    }
    if (req.progress) {
      TrainProgress p;
      p.step = state.step;
      p.max_steps = max_steps;
      p.loss = last_loss;
      p.accuracy = state.last_accuracy;
      p.steps_per_second = double(state.step - session_first_step) / std::max(1e-9, session_train_seconds);
      p.eta_seconds = double(max_steps - state.step) / std::max(1e-9, p.steps_per_second);
      p.evaluated = eval_due;
      req.progress(p);
    }
    if (reached) break;
    if (checkpoint_every > 0 && state.step % checkpoint_every == 0) {
      save_checkpoint(checkpoint_path, model, optimizer, state);
    }
    const bool stop_after_reached = req.stop_after >= 0 && state.step >= req.stop_after;
    if ((stop_after_reached || (req.stop_requested && req.stop_requested())) && state.step < max_steps) {
      stop_reason = stop_after_reached ? "stop_after" : "signal";
      break;
    }
  }
  const bool finished = stop_reason != "stop_after" && stop_reason != "signal";
  // A run stopped at max_steps was just evaluated (the last step is always evaluated).
  state.finished = finished;
  save_checkpoint(checkpoint_path, model, optimizer, state);
  write_history(dir + "/history.h5", state);
  if (finished) write_model(dir + "/model.h5", model, config);

  Json summary = Json::object();
  summary["status"] = finished ? "finished" : "interrupted";
  summary["stop_reason"] = stop_reason;
  summary["task"] = config.at("task").at("name");
  summary["model"] = config.at("model").at("type");
  summary["units"] = config.at("model").at("units");
  summary["seed"] = run.seed;
  summary["version"] = RNNSCOPE_VERSION;
  summary["torch_version"] = TORCH_VERSION;
  summary["threads"] = threads;
  summary["steps"] = state.step;
  summary["max_steps"] = max_steps;
  summary["target_accuracy"] = target_accuracy;
  summary["reached_target"] = reached;
  summary["final_accuracy"] = state.last_accuracy;
  summary["final_loss"] = state.history_loss.empty() ? last_loss : state.history_loss.back();
  summary["wall_seconds"] = state.train_seconds + state.eval_seconds;
  summary["train_seconds"] = state.train_seconds;
  summary["eval_seconds"] = state.eval_seconds;
  summary["session_wall_seconds"] = seconds_since(session_start);
  summary["train_steps_per_second"] = double(state.step) / std::max(1e-9, state.train_seconds);
  summary["finished_at"] = utc_now();
  write_text_atomic(dir + "/summary.json", summary.dump(2) + "\n");
  return summary;
}

}  // namespace rnnscope::rnn
