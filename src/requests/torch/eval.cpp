// The eval request (include/rnnscope/requests/eval.h): a trained network from its run
// directory on fresh trials, and the eval record.
#include "rnnscope/requests/eval.h"

#include "requests/torch/trained_run.h"
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/layout.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/tasks/registry.h"
#include "rnnscope/training/run_config.h"

namespace rnnscope::requests {
namespace {

std::vector<float> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// "fixation, stimulus[0], stimulus[1]": one name per channel, for legends.
std::string channel_names(const std::vector<tasks::ChannelGroup>& groups) {
  std::string out;
  for (const auto& g : groups) {
    for (int64_t i = 0; i < g.size; ++i) {
      out += (out.empty() ? "" : ", ") + g.name + (g.size > 1 ? "[" + std::to_string(i) + "]" : "");
    }
  }
  return out;
}

Record eval_record(const EvalResult& r, const EvalRequest& req, const tasks::TaskInfo& task, uint64_t seed) {
  const auto& b = r.batch;
  const int64_t T = b.steps, B = b.trials;
  Record record;
  record.add("inputs", {B, T, b.n_inputs}, trial_major(b.inputs, T, B, b.n_inputs));
  record.add("targets", {B, T, b.n_outputs}, trial_major(b.targets, T, B, b.n_outputs));
  record.add("mask", {B, T}, trial_major(b.mask, T, B, 1));
  // Each replica's [T, B, ·] block trial-major, one after another.
  auto per_replica = [&](const std::vector<float>& values, int64_t width) {
    std::vector<float> out;
    const auto block = static_cast<size_t>(T * B * width);
    for (int64_t k = 0; k < r.replicas; ++k) {
      const std::vector<float> one(values.begin() + int64_t(size_t(k) * block),
                                   values.begin() + int64_t(size_t(k + 1) * block));
      const auto major = trial_major(one, T, B, width);
      out.insert(out.end(), major.begin(), major.end());
    }
    return out;
  };
  const std::vector<int64_t> lead = r.replicas > 1 ? std::vector<int64_t>{r.replicas} : std::vector<int64_t>{};
  auto shape = [&](std::vector<int64_t> dims) {
    dims.insert(dims.begin(), lead.begin(), lead.end());
    return dims;
  };
  record.add("outputs", shape({B, T, b.n_outputs}), per_replica(r.outputs, b.n_outputs));
  record.add("states", shape({B, T, r.units}), per_replica(r.states, r.units));
  record.add("correct", shape({B}), r.correct);
  if (r.replicas > 1) {
    record.add("replica_accuracy", {r.replicas}, r.replica_accuracy);
    record.add("replica_loss", {r.replicas}, r.replica_loss);
    record.attributes["replicas"] = r.replicas;
  }
  if (req.replica) record.attributes["replica"] = *req.replica;
  record.add("trial_steps", {B}, b.trial_steps);
  for (const auto& [name, values] : b.conditions) {
    if (task.is_integer_condition(name))
      record.add("conditions/" + name, {B}, std::vector<int64_t>(values.begin(), values.end()));
    else
      record.add("conditions/" + name, {B}, values);
  }
  // period_bounds is [P, B, 2]; each period gets its own [B, 2] array.
  for (size_t p = 0; p < r.period_names.size(); ++p) {
    const auto first = b.period_bounds.begin() + int64_t(p) * B * 2;
    record.add("periods/" + r.period_names[p], {B, 2}, std::vector<int64_t>(first, first + B * 2));
  }
  record.attributes["accuracy"] = r.accuracy;
  record.attributes["loss"] = r.loss_value;
  record.attributes["loss_kind"] = tasks::loss_name(r.loss);
  record.attributes["dt"] = b.dt_ms;
  // Provenance: what was evaluated, how, and by which version.
  record.attributes["run"] = req.run_dir;
  record.attributes["task"] = task.name;
  record.attributes["input_channels"] = channel_names(task.inputs);
  record.attributes["output_channels"] = channel_names(task.outputs);
  record.attributes["trials"] = req.trials;
  record.attributes["noise"] = req.noise;
  record.attributes["seed"] = seed;
  record.attributes["version"] = RNNSCOPE_VERSION;
  return record;
}

}  // namespace

EvalResult run_eval(const EvalRequest& req) {
  require(req.trials > 0, "the number of trials (" + spell(req.door, "trials", "N") + ") must be > 0, got " +
                              std::to_string(req.trials));
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  const runs::RunDirectory dir(req.run_dir);
  dir.require_run();
  require_trained_model(dir, req.door);
  auto run = rnn::build_run(rnn::resolve_run_config(dir.read_config(), dir.config_path()));
  const int64_t replicas = run.model->replicas();
  require_replica(req.door, req.replica, replicas, dir.path());
  run.model->read_weights(dir.model_path());
  rnn::use_threads(run.config.at("train").at("threads").get<int64_t>());
  rnn::require_batch_memory(*run.task, req.trials, run.model->units(), run.model->replicas(), false,
                            "evaluation on " + std::to_string(req.trials) + " trials",
                            memory_budget(req.memory_limit_gb, req.door));
  // The default derives from the run's seed, halved into int64's range so that the eval
  // file's `seed` attribute (an HDF5 int64) holds it exactly.
  const uint64_t seed = req.seed ? *req.seed : Rng::derive_seed(run.seed, "eval-cli") >> 1;
  EvalResult result;
  result.units = run.model->units();
  result.period_names = run.task->info().periods;
  result.loss = run.task->info().loss;
  const auto batch = rnn::task_train_batch(
      tasks::evaluation_task(*run.task)->batch(req.trials, Rng::derive_seed(seed, "eval-batch")), result.units, seed,
      req.noise ? "eval-noise" : "", 0);
  rnn::SequenceOutput out;
  {
    torch::NoGradGuard no_grad;
    out = run.model->run(batch.inputs, batch.noise);
  }
  // The networks evaluated, each [T, B, ·]: the run's one, one replica, or every replica.
  const int64_t K = run.model->replicas();
  std::vector<torch::Tensor> outputs{out.outputs}, states{out.states};
  if (K > 1) {
    outputs = req.replica ? std::vector<torch::Tensor>{out.outputs[*req.replica]} : out.outputs.unbind(0);
    states = req.replica ? std::vector<torch::Tensor>{out.states[*req.replica]} : out.states.unbind(0);
  }
  result.replicas = int64_t(outputs.size());
  result.batch = *batch.trials;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const auto score = rnn::score_task_batch(*run.task, outputs[k], batch);
    const auto o = to_vector(outputs[k]), st = to_vector(states[k]);
    result.outputs.insert(result.outputs.end(), o.begin(), o.end());
    result.states.insert(result.states.end(), st.begin(), st.end());
    result.correct.insert(result.correct.end(), score.correct.begin(), score.correct.end());
    result.replica_accuracy.push_back(score.accuracy);
    result.replica_loss.push_back(score.loss);
    result.accuracy += score.accuracy / double(outputs.size());
    result.loss_value += score.loss / double(outputs.size());
  }
  result.record = eval_record(result, req, run.task->info(), seed);
  if (!req.out.empty()) write_record(req.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
