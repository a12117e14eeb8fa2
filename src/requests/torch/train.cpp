// The train request (include/rnnscope/requests/train.h): config resolution and the
// overwrite/resume policy, the run's parts composed into a Trainer, and the run directory's
// records (config, history, model, summary).
#include "rnnscope/requests/train.h"

#include "training/fused_adam_internal.h"
#include "training/nback_parts.h"
#include "training/run_parts.h"
#include "training/skip_schedule.h"
#include "training/weight_snapshots.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/nback/run_params.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/training/run_config.h"

#include <torch/version.h>

#include <functional>

#include <ctime>

namespace rnnscope::requests {
namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

// The resolved config of the request and what it changes in a resumed run: the given one,
// or with `resume` the directory's own, in which a config or overrides given too may change
// only the budget and schedule keys (continuable_train_keys) — continuing the run.
struct ResolvedConfig {
  Json config;
  std::vector<std::string> changes;  // "section.key: old -> new" (resume only)
};

ResolvedConfig resolve_config(const TrainRequest& req, const runs::RunDirectory& dir) {
  Json given = req.config;
  std::string source = req.config_source;
  if (!req.config_path.empty()) {
    given = read_toml_file(req.config_path);
    source = req.config_path;
  }
  if (!req.resume) {
    require(!given.empty() || !req.overrides.empty(), "a config is required (" + spell(req.door, "config", "CONFIG.toml") +
                                                          "), except with " + spell(req.door, "resume"));
    return {rnn::resolve_run_config(given, req.overrides, source, argument_name(req.door, "overrides")), {}};
  }
  require(dir.has_config(), "cannot resume: " + dir.config_path() + " does not exist (no run was started in " +
                                dir.path() + ")");
  Json stored = rnn::resolve_run_config(dir.read_config(), dir.config_path());
  if (given.empty() && req.overrides.empty()) return {stored, {}};
  Json resolved = rnn::resolve_run_config(given.empty() ? stored : given, req.overrides, source,
                                          argument_name(req.door, "overrides"));
  try {
    auto changes = rnn::continuation_changes(stored, resolved);
    return {std::move(resolved), std::move(changes)};
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (" + dir.config_path() + " holds the run's config)", e.kind());
  }
}

// Whether model.h5 is a finished run's (files from before the attribute existed were written
// only when a run finished).
bool model_is_final(const runs::RunDirectory& dir) {
  return dir.has_model() && h5::read_attributes(dir.model_path(), "/").value("finished", int64_t(1)) != 0;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Json& train, std::vector<torch::Tensor> parameters) {
  const double lr = train.at("lr").get<double>();
  const auto name = train.at("optimizer").get<std::string>();
  if (name == "sgd") return std::make_unique<torch::optim::SGD>(std::move(parameters), torch::optim::SGDOptions(lr));
  if (name == "adamw") {
    return std::make_unique<torch::optim::AdamW>(std::move(parameters), torch::optim::AdamWOptions(lr));
  }
  return std::make_unique<rnn::FusedAdam>(std::move(parameters), torch::optim::AdamOptions(lr));
}

// The recorders of the run: weight snapshots when train.save_weights_every > 0 (none
// otherwise, so that a run without them pays nothing).
std::vector<std::unique_ptr<rnn::Recorder>> make_recorders(const Json& train, const runs::RunDirectory& dir,
                                                           bool resume) {
  std::vector<std::unique_ptr<rnn::Recorder>> recorders;
  const int64_t every = train.at("save_weights_every").get<int64_t>();
  if (every > 0) {
    runs::WeightHistory persisted;
    if (resume && dir.has_weights_history()) persisted = dir.read_weights_history();
    recorders.push_back(std::make_unique<rnn::WeightSnapshots>(
        every, std::move(persisted), [dir](const runs::WeightHistory& h) { dir.write_weights_history(h); }));
  }
  return recorders;
}

// model.h5 beside every checkpoint and at the end, so that an interrupted run can be
// evaluated and loaded too; its `step` and `finished` attributes say which weights it holds.
class ModelFile final : public rnn::Recorder {
 public:
  ModelFile(runs::RunDirectory dir, std::shared_ptr<rnn::RecurrentModel> model, const Json& config)
      : dir_(std::move(dir)), model_(std::move(model)), config_(config) {}

  void observe(int64_t steps_done, bool last, const rnn::RecurrentModel&) override {
    step_ = steps_done;
    finished_ = last;
  }
  // A run resumed with its budget already done (killed after its last checkpoint, before its
  // outputs) takes no step, so observe never tells it the run is finished: the same rule here.
  void resume(int64_t steps_done) override {
    step_ = steps_done;
    finished_ = steps_done >= config_.at("train").at("max_steps").get<int64_t>();
  }
  void persist() override {
    h5::Writer out(dir_.model_path());
    model_->write_weights(out);
    // N-back models step by frames: their tasks have no dt.
    if (config_.at("task").contains("dt")) out.attribute("/", "dt", config_.at("task").at("dt").get<double>());
    if (config_.at("model").contains("tau")) out.attribute("/", "tau", config_.at("model").at("tau").get<double>());
    out.attribute("/", "task", config_.at("task").at("name").get<std::string>());
    out.attribute("/", "step", step_);
    out.attribute("/", "finished", int64_t(finished_ ? 1 : 0));
    out.commit();
  }

 private:
  runs::RunDirectory dir_;
  std::shared_ptr<rnn::RecurrentModel> model_;
  Json config_;
  int64_t step_ = 0;
  bool finished_ = false;
};

// The schedules of the run: the skip annealing of train.method (none for "none").
std::vector<std::unique_ptr<rnn::Schedule>> make_schedules(const Json& config) {
  std::vector<std::unique_ptr<rnn::Schedule>> schedules;
  const Json& train = config.at("train");
  const auto method = train.at("method").get<std::string>();
  if (method == "none") return schedules;
  const auto type = config.at("model").at("type").get<std::string>();
  require(type == "ctrnn", "train.method = \"" + method + "\" needs [model] type = \"ctrnn\" (got \"" + type + "\")");
  rnn::SkipScheduleOptions options;
  options.method = method == "cd"     ? rnn::LongDepMethod::cd
                   : method == "dasc" ? rnn::LongDepMethod::dasc
                                      : rnn::LongDepMethod::sctt;
  options.theta = train.at("skip_steps").get<int64_t>();
  options.beta_init = train.at("beta_init").get<double>();
  options.stages = train.at("stages").get<int64_t>();
  options.stage_steps = train.at("stage_steps").get<int64_t>();
  schedules.push_back(std::make_unique<rnn::SkipSchedule>(options));
  return schedules;
}

// What a run trains, by the kind of its task: the model, its data source and objective, the
// target accuracy, and the summary fields of its own. Built before anything is written, so a
// run that cannot start leaves no half-made run directory.
struct TrainingParts {
  std::shared_ptr<rnn::RecurrentModel> model;
  std::unique_ptr<rnn::DataSource> data;
  std::unique_ptr<rnn::Objective> objective;
  double target_accuracy = 0;
  uint64_t seed = 0;
  std::unique_ptr<tasks::Task> task;      // task runs: what data and objective refer to
  std::function<void(Json&)> summarize;   // adds the kind's own fields to summary.json
};

double target_accuracy_of(const Json& train, double own) {
  const double given = train.at("target_accuracy").get<double>();
  return given < 0 ? own : given;
}

// A task of src/tasks: its trials, its loss and penalties, memory checked against the budget.
TrainingParts task_training(const Json& config, const MemoryBudget& memory) {
  const Json& tc = config.at("train");
  auto run = rnn::build_run(config);
  const tasks::Task& task = *run.task;
  const int64_t batch_size = tc.at("batch_size").get<int64_t>(), eval_trials = tc.at("eval_trials").get<int64_t>();
  rnn::require_batch_memory(task, batch_size, run.model->units(), run.model->replicas(), true,
                            "training with train.batch_size = " + std::to_string(batch_size), memory);
  rnn::require_batch_memory(task, eval_trials, run.model->units(), run.model->replicas(), false,
                            "evaluation with train.eval_trials = " + std::to_string(eval_trials), memory);
  TrainingParts parts;
  parts.model = run.model;
  parts.seed = run.seed;
  parts.target_accuracy = target_accuracy_of(tc, task.info().default_target_accuracy);
  parts.data = std::make_unique<rnn::TaskDataSource>(task, batch_size, eval_trials, run.model->units(), run.seed);
  const rnn::Penalties penalties{tc.at("rate_l2").get<double>(), tc.at("rate_l1").get<double>(),
                                 tc.at("weight_l2").get<double>(), tc.at("weight_l1").get<double>()};
  parts.objective = std::make_unique<rnn::TaskObjective>(task, penalties, parts.target_accuracy);
  parts.task = std::move(run.task);
  return parts;
}

// The N-back tasks (docs/nback.md): the cognitive stage on feature banks; the summary adds the
// held-out accuracy per task of the diet and what the front end decodes.
TrainingParts nback_training(const Json& config) {
  auto run = rnn::build_nback_run(config);
  TrainingParts parts;
  parts.model = run.model;
  parts.seed = config.at("seed").get<uint64_t>();
  parts.target_accuracy = target_accuracy_of(config.at("train"), nback::kDefaultTargetAccuracy);
  parts.objective = std::make_unique<rnn::NbackObjective>(parts.target_accuracy);
  // The trainer will own the data source; it and the model outlive the summary.
  rnn::NbackModel* model = run.model.get();
  rnn::NbackDataSource* data = run.data.get();
  parts.data = std::move(run.data);
  parts.summarize = [model, data, diet = run.diet, perception = run.perception](Json& summary) {
    summary["task_accuracy"] = rnn::nback_eval_task_accuracy(*model, *data, diet);
    summary["perception"] = perception;
  };
  return parts;
}

std::string joined(const std::vector<std::string>& texts, const std::string& separator) {
  std::string out;
  for (const auto& t : texts) out += (out.empty() ? "" : separator) + t;
  return out;
}

}  // namespace

Json run_train(const TrainRequest& req) {
  require(!req.out.empty(), "an output directory is required (" + spell(req.door, "out", "DIR") + ")");
  require(!req.stop_after || *req.stop_after >= 1, argument_name(req.door, "stop_after") +
                                                      " must be >= 1 (steps in total), got " +
                                                      std::to_string(req.stop_after.value_or(0)));
  const Existing policy = existing_policy(req.force, req.resume, req.door);
  const runs::RunDirectory dir(req.out);
  const ResolvedConfig resolved = resolve_config(req, dir);
  const Json& config = resolved.config;
  const Json& tc = config.at("train");
  const int64_t threads = rnn::use_threads(tc.at("threads").get<int64_t>());
  // Before anything is written: a run that cannot fit or start leaves no half-made run directory.
  const MemoryBudget memory = memory_budget(req.memory_limit_gb, req.door);
  TrainingParts parts = config.at("task").at("name") == nback::kRunTaskName ? nback_training(config)
                                                                            : task_training(config, memory);
  const FileLock lock = claim_output_dir(dir.path(), policy, req.door, runs::RunDirectory::file_names());
  // A continued run's config.toml holds its new budget (the history records the change).
  if (!req.resume || !resolved.changes.empty()) dir.write_config(config);

  const double target_accuracy = parts.target_accuracy;
  rnn::TrainerOptions options;
  options.max_steps = tc.at("max_steps").get<int64_t>();
  options.eval_every = tc.at("eval_every").get<int64_t>();
  options.checkpoint_every = tc.at("checkpoint_every").get<int64_t>();
  options.grad_clip = tc.at("grad_clip").get<double>();
  options.checkpoint_path = dir.checkpoint_path();
  auto optimizer = make_optimizer(tc, parts.model->parameters());
  auto recorders = make_recorders(tc, dir, req.resume);
  recorders.push_back(std::make_unique<ModelFile>(dir, parts.model, config));
  rnn::Trainer trainer(parts.model, std::move(parts.data), std::move(parts.objective), std::move(optimizer),
                       make_schedules(config), options, std::move(recorders));
  if (req.resume) {
    const std::string longer = "; to train it longer, resume with " + spell_override(req.door, "train.max_steps");
    // A run finished with train.checkpoint_every = 0 keeps no checkpoint to continue from.
    require(dir.has_checkpoint() || !model_is_final(dir),
            "cannot resume: the run in " + dir.path() +
                " has already finished and kept no checkpoint (train.checkpoint_every = 0), so it cannot be continued");
    try {
      trainer.resume(!resolved.changes.empty());
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (" + dir.path() + ")" + (dir.has_model() ? longer : ""), e.kind());
    }
    // A run killed between its last checkpoint (at max_steps, unfinished) and writing its
    // outputs has its budget done but is not finished: it resumes to write them.
    const rnn::TrainState& done = trainer.state();
    const bool outputs_pending = done.step == options.max_steps && !done.finished && resolved.changes.empty();
    require(done.step < options.max_steps || outputs_pending,
            "cannot resume: the run in " + dir.path() + " has done " + std::to_string(done.step) +
                " steps and train.max_steps is " + std::to_string(options.max_steps) + longer);
    trainer.set_learning_rate(tc.at("lr").get<double>());
    if (!resolved.changes.empty()) trainer.record_continuation(joined(resolved.changes, "; "));
  }
  if (req.stop_after) {
    // Counted in total, so that --stop-after N always ends at step N (a resumed run too).
    const std::string done = std::to_string(trainer.state().step);
    require(*req.stop_after > trainer.state().step,
            argument_name(req.door, "stop_after") + " " + std::to_string(*req.stop_after) +
                " counts steps in total, and the run in " + dir.path() + " has already done " + done +
                "; give more than " + done);
  }
  rnn::TrainerHooks hooks;
  hooks.progress = req.progress;
  hooks.stop_requested = req.stop_requested;
  hooks.stop_after = req.stop_after.value_or(-1);
  hooks.finish_later = true;
  const auto outcome = trainer.run(hooks);
  const rnn::TrainState& state = trainer.state();
  dir.write_history(state.history);

  Json summary = Json::object();
  summary["status"] = outcome.finished ? "finished" : "interrupted";
  summary["stop_reason"] = outcome.stop_reason;
  summary["task"] = config.at("task").at("name");
  summary["model"] = config.at("model").at("type");
  summary["units"] = config.at("model").at("units");
  summary["seed"] = parts.seed;
  summary["version"] = RNNSCOPE_VERSION;
  summary["torch_version"] = TORCH_VERSION;
  summary["threads"] = threads;
  summary["steps"] = state.step;
  summary["max_steps"] = options.max_steps;
  summary["target_accuracy"] = target_accuracy;
  summary["reached_target"] = outcome.reached;
  summary["final_accuracy"] = state.last_accuracy.size() == 1 ? Json(state.last_accuracy[0]) : Json(state.last_accuracy);
  summary["final_loss"] = state.history.loss.empty() ? outcome.last_loss : state.history.loss.back();
  summary["wall_seconds"] = state.train_seconds + state.eval_seconds;
  summary["train_seconds"] = state.train_seconds;
  summary["eval_seconds"] = state.eval_seconds;
  summary["session_wall_seconds"] = outcome.session_seconds;
  summary["train_steps_per_second"] = double(state.step) / std::max(1e-9, state.train_seconds);
  summary["finished_at"] = utc_now();
  if (parts.summarize) parts.summarize(summary);
  dir.write_summary(summary);
  // Last: until here a kill leaves an unfinished checkpoint, and --resume writes all again.
  if (outcome.finished) trainer.finish();
  return summary;
}

}  // namespace rnnscope::requests
